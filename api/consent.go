package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/consent"
	"github.com/tabiji/tabiji/jsonfields"
	"github.com/tabiji/tabiji/store"
)

// consentRecordBody is a consent record as the API shows it: the change,
// its evidence, and when Tabiji stored it.
type consentRecordBody struct {
	CustomerID string           `json:"customerId"`
	Channel    string           `json:"channel"`
	Topic      string           `json:"topic,omitempty"`
	Status     string           `json:"status"`
	Source     string           `json:"source"`
	At         time.Time        `json:"at"`
	Evidence   consent.Evidence `json:"evidence"`
	RecordedAt time.Time        `json:"recordedAt,omitzero"`
}

// consentBody is GET /v1/profiles/{id}/consent: the customer's current
// consent and every recorded change with its evidence, oldest first.
type consentBody struct {
	CustomerID string              `json:"customerId"`
	Current    []consentResponse   `json:"current"`
	History    []consentRecordBody `json:"history"`
}

func toConsentRecord(c store.Consent) consentRecordBody {
	return consentRecordBody{CustomerID: c.CustomerID, Channel: c.Channel, Topic: c.Topic, Status: c.Status, Source: c.Source,
		At: c.UpdatedAt, Evidence: consent.ParseEvidence(c.Evidence), RecordedAt: c.RecordedAt}
}

// storeConsent is a validated record as the store keeps it.
func storeConsent(workspaceID, customerID string, r consent.Record) store.Consent {
	return store.Consent{WorkspaceID: workspaceID, CustomerID: customerID, Channel: r.Channel, Topic: r.Topic,
		Status: r.Status, Source: r.Source, UpdatedAt: r.At, Evidence: r.Evidence.EvidenceJSON()}
}

// customerParam is the path's customer id, answering 422 when it cannot be one.
func customerParam(c *gin.Context) (string, bool) {
	id := c.Param("id")
	if id == "" || len(id) > consent.MaxCustomerID {
		invalid(c, "id", "must be a customer id of 1 to 256 bytes")
		return "", false
	}
	return id, true
}

// recordConsent is POST /v1/profiles/{id}/consent: one change of the
// customer's consent with its proof (source, time, evidence). An opt-in
// names where it was given and the wording shown; the customer need not
// have a profile yet (consent often arrives with the sign-up itself).
func (s *server) recordConsent(c *gin.Context) {
	id, ok := customerParam(c)
	if !ok {
		return
	}
	var r consent.Record
	if !decodeJSON(c, 32<<10, &r, true) {
		return
	}
	if s.answered(c, r.Prepare(time.Now())) {
		return
	}
	sc := storeConsent(workspace(c), id, r)
	current, err := s.Store.SetConsent(c.Request.Context(), sc)
	if s.answered(c, err) {
		return
	}
	c.JSON(http.StatusCreated, gin.H{"record": toConsentRecord(sc), "current": current})
}

// listConsent is GET /v1/profiles/{id}/consent.
func (s *server) listConsent(c *gin.Context) {
	id, ok := customerParam(c)
	if !ok {
		return
	}
	current, history, err := s.Store.ConsentWithRecords(c.Request.Context(), workspace(c), id)
	if s.answered(c, err) {
		return
	}
	out := consentBody{CustomerID: id, Current: toConsent(current), History: make([]consentRecordBody, len(history))}
	for i, h := range history {
		out.History[i] = toConsentRecord(h)
	}
	c.JSON(http.StatusOK, out)
}

// exportConsent is GET /v1/consent/export: every consent record of the
// workspace (?customer= for one customer's) as CSV, in the columns the
// import reads, streamed.
func (s *server) exportConsent(c *gin.Context) {
	customer := c.Query("customer")
	if len(customer) > consent.MaxCustomerID {
		invalid(c, "customer", "must be a customer id of at most 256 bytes")
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="consent.csv"`)
	c.Status(http.StatusOK)
	w, err := consent.NewCSVWriter(c.Writer)
	if err != nil {
		return // the client went away
	}
	err = s.Store.ExportConsentRecords(c.Request.Context(), workspace(c), customer, func(sc store.Consent) error {
		r := toConsentRecord(sc)
		rec := consent.Record{Channel: r.Channel, Topic: r.Topic, Status: r.Status, Source: r.Source, At: r.At, Evidence: r.Evidence}
		if err := w.Write(consent.CSVLine(r.CustomerID, rec, r.RecordedAt)); err != nil {
			return err
		}
		w.Flush()
		return w.Error()
	})
	if err != nil {
		// The status is sent: a cut-short body is all we can say.
		s.Logger.Error("export consent", "workspace", workspace(c), "error", err)
	}
}

// consentImportAnswer is POST /v1/consent/import's answer.
type consentImportAnswer struct {
	Imported int                  `json:"imported"`
	Rejected []consentRejectedRow `json:"rejected"`
}

type consentRejectedRow struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// maxConsentImport is the largest CSV POST /v1/consent/import takes.
const maxConsentImport = 16 << 20

// importConsent is POST /v1/consent/import: a CSV of consent records
// (consent.Columns). Good lines are recorded together; each bad line is
// answered with its line, column and fault. A header that cannot be read
// is a 422 on "body".
func (s *server) importConsent(c *gin.Context) {
	if ct := c.ContentType(); ct != "text/csv" {
		problem(c, http.StatusUnsupportedMediaType, "send the records as text/csv, not "+ct)
		return
	}
	rows, err := consent.ReadCSV(http.MaxBytesReader(c.Writer, c.Request.Body, maxConsentImport), time.Now())
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		problem(c, http.StatusRequestEntityTooLarge, "the CSV is larger than 16 MB: split it")
		return
	case err != nil:
		problem(c, http.StatusUnprocessableEntity, "the CSV could not be read", jsonfields.Error{Field: "body", Message: err.Error()})
		return
	}
	out := consentImportAnswer{Rejected: []consentRejectedRow{}}
	var good []store.Consent
	for _, r := range rows {
		for _, fe := range r.Err {
			out.Rejected = append(out.Rejected, consentRejectedRow{Line: r.Line, Field: fe.Field, Message: fe.Message})
		}
		if len(r.Err) == 0 {
			good = append(good, storeConsent(workspace(c), r.CustomerID, r.Record))
		}
	}
	if s.answered(c, s.Store.SetConsents(c.Request.Context(), good)) {
		return
	}
	out.Imported = len(good)
	c.JSON(http.StatusOK, out)
}
