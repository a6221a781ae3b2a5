package api

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/signupforms"
	"github.com/tabiji/tabiji/store"
)

// signupRate is how often one address may submit one form: five at once,
// then one every two minutes; bots past it get 429.
var signupRate = Rate{PerSecond: 1.0 / 120, Burst: 5}

// signupFormBody is a form as the API shows it: the stored form with where
// it is published and how to embed it.
type signupFormBody struct {
	store.SignupForm
	URL   string `json:"url"`
	Embed string `json:"embed"`
}

func (s *server) signupFormBody(c *gin.Context, f store.SignupForm) signupFormBody {
	u := strings.TrimSuffix(s.publicBase(c.Request).String(), "/") + "/f/" + url.PathEscape(f.PublicID)
	return signupFormBody{SignupForm: f, URL: u,
		Embed: `<iframe src="` + u + `?embed=1" title="` + html.EscapeString(f.Title["ja"]) + `" style="border:0;width:100%;min-height:26rem"></iframe>`}
}

// getSignupForm is GET /v1/signup-form.
func (s *server) getSignupForm(c *gin.Context) {
	f, err := s.Store.SignupForm(c.Request.Context(), workspace(c))
	if s.answered(c, err, notFound("this workspace has no sign-up form: PUT one")) {
		return
	}
	c.JSON(http.StatusOK, s.signupFormBody(c, f))
}

// putSignupForm is PUT /v1/signup-form: creates or replaces the form; its
// public id stays.
func (s *server) putSignupForm(c *gin.Context) {
	var f store.SignupForm
	if !decodeJSON(c, 32<<10, &f, true) {
		return
	}
	f.WorkspaceID = workspace(c)
	f, err := signupforms.Prepare(f)
	if s.answered(c, err) {
		return
	}
	f, err = s.Store.PutSignupForm(c.Request.Context(), f, newFormID())
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusOK, s.signupFormBody(c, f))
}

// newFormID is a form's public id: 96 random bits, so forms cannot be listed
// by guessing.
func newFormID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "sf_" + base64.RawURLEncoding.EncodeToString(b)
}

// signupPage is GET /f/{id}: the hosted form, in ?lang= (ja, en), else the
// browser's language, else the workspace's; ?embed=1 for an iframe.
func (s *server) signupPage(c *gin.Context) {
	h, err := s.signups.Load(c.Request.Context(), c.Param("id"))
	if s.answered(c, err, notFound("no sign-up form here")) {
		return
	}
	lang := signupforms.Language(c.Query("lang"), c.GetHeader("Accept-Language"), h.Locale)
	s.renderSignup(c, h, http.StatusOK, signupforms.PageInput{Lang: lang, Page: c.GetHeader("Referer")})
}

// signupSubmit is POST /f/{id}: a form-encoded submission. A bot that
// fills the hidden field is thanked and nothing is recorded; an address
// over signupRate gets 429. Field errors show the page again with them
// (or a problem to a client that accepts JSON).
func (s *server) signupSubmit(c *gin.Context) {
	if ok, wait := s.signupLimit.allow(c.Param("id")+"|"+c.ClientIP(), time.Now()); !ok {
		tooMany(c, wait, "too many sign-ups from this address: retry after the Retry-After seconds")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 16<<10)
	if err := c.Request.ParseForm(); err != nil {
		invalid(c, "body", "must be a form of at most 16 KB")
		return
	}
	ctx, form := c.Request.Context(), c.Request.PostForm
	in := signupforms.Submission{Email: form.Get("email"), Name: form.Get("name"), Consent: form.Get("consent") != "",
		Page: pageOf(form.Get("page")), IP: c.ClientIP(), UserAgent: c.GetHeader("User-Agent"), MessageID: "signup:" + uuid.NewString(),
		Language: signupforms.Language(form.Get("lang"), c.GetHeader("Accept-Language"), ""),
		Trapped:  form.Get("website") != ""} // the honeypot: people never see it
	h, _, err := s.signups.SubmitTo(ctx, c.Param("id"), in, time.Now().UTC())
	if in.Trapped {
		if !s.answered(c, err, notFound("no sign-up form here")) {
			s.renderSignup(c, h, http.StatusOK, signupforms.PageInput{Lang: signupforms.Language(form.Get("lang"), "", h.Locale), Done: true})
		}
		return
	}
	var fields jsonfields.Errors
	if errors.As(err, &fields) && !strings.Contains(c.GetHeader("Accept"), "application/json") {
		s.renderSignup(c, h, http.StatusUnprocessableEntity, signupforms.PageInput{Lang: in.Language, Page: in.Page,
			Email: in.Email, Name: in.Name, Err: err})
		return
	}
	if s.answered(c, err, notFound("no sign-up form here")) {
		return
	}
	s.renderSignup(c, h, http.StatusOK, signupforms.PageInput{Lang: in.Language, Done: true})
}

// pageOf keeps an http(s) URL of the embedding page, else nothing.
func pageOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > 2048 {
		return ""
	}
	return raw
}

// renderSignup writes the page with a policy that runs no script, posts only
// here, and lets only the workspace's allowed origins frame it.
func (s *server) renderSignup(c *gin.Context, h signupforms.Hosted, status int, in signupforms.PageInput) {
	in.Form, in.Embed = h.Form, c.Query("embed") == "1"
	in.Action = "/f/" + url.PathEscape(h.Form.PublicID)
	if in.Embed {
		in.Action += "?embed=1"
	}
	var buf bytes.Buffer
	if err := signupforms.RenderPage(&buf, in); err != nil {
		s.fail(c, err)
		return
	}
	ancestors := "'none'"
	if len(h.Origins) > 0 {
		ancestors = "'self' " + strings.Join(h.Origins, " ")
	}
	c.Header("Content-Security-Policy", "default-src 'none'; style-src "+signupforms.StyleHash+
		"; form-action 'self'; base-uri 'none'; frame-ancestors "+ancestors)
	c.Header("Referrer-Policy", "same-origin")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
