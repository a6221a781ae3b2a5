package api

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/channels/line"
	"github.com/tabiji/tabiji/channels/settings"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/linelink"
	"github.com/tabiji/tabiji/store"
)

// LINE account linking (LINE's account-link flow), in three steps:
//  1. POST /v1/line/link-tokens {lineUserId}: Tabiji asks LINE for a link
//     token for a LINE user (to put in a "log in to link" message);
//  2. POST /v1/line/account-links {linkToken, userId}: the shop's site,
//     once the user has logged in with that token, gets a nonce for its
//     customer and the LINE URL to send the user's browser to;
//  3. LINE's accountLink webhook event carries the nonce back: Tabiji joins
//     the LINE user to the customer (webhooks.Service.LINE), once.

// lineAccountLinkURL is where the shop's site sends the browser to finish.
const lineAccountLinkURL = "https://access.line.me/dialog/bot/accountLink"

// notConfiguredLINE answers a workspace without LINE credentials.
var notConfiguredLINE = on(settings.ErrNotConfigured, http.StatusConflict,
	"LINE is not set up for this workspace: set its channelAccessToken (PUT /v1/channels/line)")

// issueLineLinkToken is POST /v1/line/link-tokens.
func (s *server) issueLineLinkToken(c *gin.Context) {
	var req struct {
		LineUserID string `json:"lineUserId"`
	}
	if !decodeJSON(c, 4<<10, &req, true) {
		return
	}
	if !line.UserIDPattern.MatchString(req.LineUserID) {
		invalid(c, "lineUserId", "must be a LINE user ID as webhooks give it: U and 32 hex digits")
		return
	}
	issued, err := linelink.Issue(c.Request.Context(), s.Channels, s.Store, workspace(c), req.LineUserID)
	if s.answered(c, err, notConfiguredLINE) {
		return
	}
	c.JSON(http.StatusCreated, gin.H{"linkToken": issued.Token, "lineUserId": req.LineUserID, "expiresAt": issued.ExpiresAt})
}

// completeLineAccountLink is POST /v1/line/account-links: the shop's site
// has logged its customer in with a link token; Tabiji binds a fresh nonce
// to that customer and answers the URL that finishes the flow at LINE.
func (s *server) completeLineAccountLink(c *gin.Context) {
	var req struct {
		LinkToken string `json:"linkToken"`
		UserID    string `json:"userId"`
	}
	if !decodeJSON(c, 4<<10, &req, true) {
		return
	}
	req.UserID = strings.TrimSpace(req.UserID)
	switch {
	case req.LinkToken == "" || len(req.LinkToken) > 256:
		invalid(c, "linkToken", "is required: the link token the user came to the site with")
		return
	case req.UserID == "" || len(req.UserID) > 256:
		invalid(c, "userId", "is required: the shop's customer id of the user who logged in")
		return
	}
	nonce := newLinkNonce()
	expires, err := s.Store.BindLineLinkNonce(c.Request.Context(), workspace(c), req.LinkToken, req.UserID, nonce, time.Now().UTC())
	if s.answered(c, err, on(store.ErrNotFound, http.StatusUnprocessableEntity,
		"the link token was not issued by Tabiji for this workspace, has expired (10 minutes) or was used already",
		jsonfields.Error{Field: "linkToken", Message: "is unknown, expired or used"})) {
		return
	}
	redirect := lineAccountLinkURL + "?linkToken=" + url.QueryEscape(req.LinkToken) + "&nonce=" + url.QueryEscape(nonce)
	c.JSON(http.StatusCreated, gin.H{"nonce": nonce, "redirectUrl": redirect, "expiresAt": expires})
}

// newLinkNonce is 128 random bits, base64url: LINE asks for a nonce of at
// least 128 bits that cannot be guessed.
func newLinkNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
