package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tabiji/tabiji/store"
	"github.com/tabiji/tabiji/taxonomy"
)

// sheetLimit bounds a design sheet upload.
const sheetLimit = 1 << 20

// getTaxonomy answers the whole sheet: JSON, or with ?format=yaml|csv the
// file to keep in git.
func (s *server) getTaxonomy(c *gin.Context) {
	t, err := s.Store.Taxonomy(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	switch f := c.DefaultQuery("format", "json"); f {
	case "json":
		c.JSON(http.StatusOK, t)
	case "yaml", "csv":
		export := t.ExportYAML
		ctype := "application/yaml"
		if f == "csv" {
			export, ctype = t.ExportCSV, "text/csv; charset=utf-8"
		}
		body, err := export()
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Header("Content-Disposition", `attachment; filename="taxonomy.`+f+`"`)
		c.Data(http.StatusOK, ctype, body)
	default:
		invalid(c, "format", "must be json, yaml or csv")
	}
}

// putTaxonomy replaces the whole sheet from JSON, YAML (application/yaml)
// or CSV (text/csv) and answers what changed; with ?dry_run=true it only
// answers what would change.
func (s *server) putTaxonomy(c *gin.Context) {
	dryRun, err := strconv.ParseBool(c.DefaultQuery("dry_run", "false"))
	if err != nil {
		invalid(c, "dry_run", "must be true or false")
		return
	}
	next, ok := s.readSheet(c)
	if !ok {
		return
	}
	changes, err := s.Store.ApplyTaxonomy(c.Request.Context(), workspace(c), next, dryRun)
	if s.answered(c, err) {
		return
	}
	if !dryRun {
		s.taxonomies.Invalidate(workspace(c))
	}
	c.JSON(http.StatusOK, gin.H{"applied": !dryRun, "changes": changes})
}

// readSheet reads and validates an uploaded sheet in the body's format.
func (s *server) readSheet(c *gin.Context) (*taxonomy.Taxonomy, bool) {
	parse := taxonomy.ParseJSON
	switch ct := c.ContentType(); ct {
	case "", "application/json":
	case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
		parse = taxonomy.ParseYAML
	case "text/csv":
		parse = taxonomy.ParseCSV
	default:
		problem(c, http.StatusUnsupportedMediaType, "send the sheet as application/json, application/yaml or text/csv, not "+ct)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, sheetLimit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		problem(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the sheet is larger than %d KB", sheetLimit/1024))
		return nil, false
	}
	if err != nil {
		invalid(c, "body", "could not be read: "+err.Error())
		return nil, false
	}
	t, err := parse(body)
	if err != nil {
		s.sheetProblem(c, err)
		return nil, false
	}
	return t, true
}

// sheetProblem answers a sheet's errors (see answered): 400 when the body
// could not be read as a sheet at all, 422 naming each field it breaks
// otherwise, and 400 on the body for an error that names no field.
func (s *server) sheetProblem(c *gin.Context, err error) {
	if !namesFields(err) {
		invalid(c, "body", err.Error())
		return
	}
	s.answered(c, err)
}

func (s *server) listEventDefinitions(c *gin.Context) {
	t, err := s.Store.Taxonomy(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"events": t.Events})
}

func (s *server) getEventDefinition(c *gin.Context) {
	e, err := s.Store.EventDefinition(c.Request.Context(), workspace(c), c.Param("name"))
	if s.answered(c, err, aboutDefinition(c, "event")...) {
		return
	}
	c.JSON(http.StatusOK, e)
}

// putEventDefinition creates (POST) or replaces (PUT …/{name}) one event
// definition with its properties: 201 with its Location when it is new,
// 200 when it replaced one.
func (s *server) putEventDefinition(c *gin.Context) {
	var e taxonomy.EventDef
	if !decodeJSON(c, sheetLimit, &e, true) || !nameMatchesPath(c, &e.Name) {
		return
	}
	if err := taxonomy.ValidateEvent(e); err != nil {
		s.sheetProblem(c, err)
		return
	}
	create := c.Request.Method == http.MethodPost
	stored, created, err := s.Store.PutEventDefinitionAndRead(c.Request.Context(), workspace(c), e, create)
	if s.answered(c, err, aboutDefinition(c, "event")...) {
		return
	}
	s.taxonomies.Invalidate(workspace(c))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", "/v1/taxonomy/events/"+e.Name)
	}
	c.JSON(status, stored)
}

func (s *server) deleteEventDefinition(c *gin.Context) {
	if s.answered(c, s.Store.DeleteEventDefinition(c.Request.Context(), workspace(c), c.Param("name")), aboutDefinition(c, "event")...) {
		return
	}
	s.taxonomies.Invalidate(workspace(c))
	c.Status(http.StatusNoContent)
}

func (s *server) listUserProperties(c *gin.Context) {
	t, err := s.Store.Taxonomy(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"userProperties": t.UserProperties})
}

func (s *server) getUserProperty(c *gin.Context) {
	p, err := s.Store.UserProperty(c.Request.Context(), workspace(c), c.Param("name"))
	if s.answered(c, err, aboutDefinition(c, "user property")...) {
		return
	}
	c.JSON(http.StatusOK, p)
}

// putUserProperty creates (POST) or replaces (PUT …/{name}) one user
// property: 201 with its Location when it is new, 200 when it replaced one.
func (s *server) putUserProperty(c *gin.Context) {
	var p taxonomy.PropertyDef
	if !decodeJSON(c, sheetLimit, &p, true) || !nameMatchesPath(c, &p.Name) {
		return
	}
	if err := taxonomy.ValidateUserProperty(p); err != nil {
		s.sheetProblem(c, err)
		return
	}
	create := c.Request.Method == http.MethodPost
	created, err := s.Store.PutUserProperty(c.Request.Context(), workspace(c), p, create)
	if s.answered(c, err, aboutDefinition(c, "user property")...) {
		return
	}
	s.taxonomies.Invalidate(workspace(c))
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", "/v1/taxonomy/user-properties/"+p.Name)
	}
	if len(p.Enum) == 0 {
		p.Enum = nil
	}
	c.JSON(status, p)
}

func (s *server) deleteUserProperty(c *gin.Context) {
	if s.answered(c, s.Store.DeleteUserProperty(c.Request.Context(), workspace(c), c.Param("name")), aboutDefinition(c, "user property")...) {
		return
	}
	s.taxonomies.Invalidate(workspace(c))
	c.Status(http.StatusNoContent)
}

// nameMatchesPath fills an empty body name from the path of a PUT and
// refuses a different one.
func nameMatchesPath(c *gin.Context, name *string) bool {
	path := c.Param("name")
	if path == "" {
		return true
	}
	if *name == "" {
		*name = path
	}
	if *name != path {
		invalid(c, "name", "must be "+path+", as in the path (to rename, delete and create)")
		return false
	}
	return true
}

// aboutDefinition is what a path naming an event definition or user
// property (what) answers when it is missing or already defined.
func aboutDefinition(c *gin.Context, what string) []outcome {
	return []outcome{
		notFound("no " + what + " " + c.Param("name") + " in this workspace"),
		conflict("the "+what+" is already defined: PUT it to replace it", taken("name")),
	}
}

type policyBody struct {
	UnknownEvents taxonomy.Policy `json:"unknownEvents"`
	InvalidTraits taxonomy.Policy `json:"invalidTraits"`
	// Naming is the naming convention; {} removes it, leaving it out keeps it.
	Naming *taxonomy.Naming `json:"naming"`
}

func (s *server) getTaxonomyPolicy(c *gin.Context) {
	t, err := s.Store.Taxonomy(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, policyBody{UnknownEvents: t.UnknownEvents, InvalidTraits: t.InvalidTraits, Naming: &t.Naming})
}

// putTaxonomyPolicy sets the workspace's policies; a field left out keeps
// its value.
func (s *server) putTaxonomyPolicy(c *gin.Context) {
	var b policyBody
	if !decodeJSON(c, 1<<10, &b, true) {
		return
	}
	t, err := s.Store.UpdateTaxonomyPolicies(c.Request.Context(), workspace(c),
		store.TaxonomyPolicies{UnknownEvents: b.UnknownEvents, InvalidTraits: b.InvalidTraits, Naming: b.Naming})
	if s.answered(c, err) {
		return
	}
	s.taxonomies.Invalidate(workspace(c))
	c.JSON(http.StatusOK, policyBody{UnknownEvents: t.UnknownEvents, InvalidTraits: t.InvalidTraits, Naming: &t.Naming})
}

// droppedEvents lists the counts of dropped events over the last ?days=
// (1–366, default 30) days.
func (s *server) droppedEvents(c *gin.Context) {
	days, err := strconv.Atoi(c.DefaultQuery("days", "30"))
	if err != nil || days < 1 || days > 366 {
		invalid(c, "days", "must be a whole number from 1 to 366")
		return
	}
	counts, err := s.Store.DroppedCounts(c.Request.Context(), workspace(c), time.Now().AddDate(0, 0, 1-days))
	if err != nil {
		s.fail(c, err)
		return
	}
	type dropped struct {
		Day    string `json:"day"`
		Event  string `json:"event"`
		Reason string `json:"reason"`
		Count  int64  `json:"count"`
	}
	out := make([]dropped, len(counts))
	for i, d := range counts {
		out[i] = dropped{Day: d.Day.Format(time.DateOnly), Event: d.Event, Reason: d.Reason, Count: d.Count}
	}
	c.JSON(http.StatusOK, gin.H{"dropped": out})
}
