package journey

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"google.golang.org/protobuf/types/known/structpb"
)

// Profile is the customer as a journey sees it.
type Profile struct {
	ID       string         `json:"id"`
	Traits   map[string]any `json:"traits,omitempty"`
	Tags     []string       `json:"tags,omitempty"`
	Email    string         `json:"email,omitempty"`
	Phone    string         `json:"phone,omitempty"`
	Timezone string         `json:"timezone,omitempty"`
	Locale   string         `json:"locale,omitempty"`
	// LineUserID and PushTokens are addresses: a send on a channel the
	// customer has no address for goes to its fallback channel.
	LineUserID string   `json:"lineUserId,omitempty"`
	PushTokens []string `json:"pushTokens,omitempty"`
}

// ProfileView is the customer as CEL conditions see it: profile.traits.plan,
// "vip" in profile.tags, profile.timezone. Traits and properties are
// protobuf Structs, which CEL reads as maps of any value, while the fields
// around them are typed, so a misspelt field fails at save time.
type ProfileView struct {
	ID       string           `cel:"id"`
	Traits   *structpb.Struct `cel:"traits"`
	Tags     []string         `cel:"tags"`
	Email    string           `cel:"email"`
	Phone    string           `cel:"phone"`
	Timezone string           `cel:"timezone"`
	Locale   string           `cel:"locale"`
}

// EventView is an event as CEL conditions see it: event.name,
// event.properties.cart_id, event.context.campaign.source, event.timestamp.
type EventView struct {
	ID         string           `cel:"message_id"`
	Name       string           `cel:"name"`
	Properties *structpb.Struct `cel:"properties"`
	Context    *structpb.Struct `cel:"context"`
	Timestamp  time.Time        `cel:"timestamp"`
}

// Scope is what a CEL condition reads: the customer, the event at hand
// (the entry event, or the latest event a run received), the entry event,
// the journey's variables and the time.
type Scope struct {
	Profile   Profile
	Event     Event
	Entry     Event
	Variables map[string]any
	Now       time.Time
}

// celEnv declares the variables every condition may use. It is built once:
// building an environment costs milliseconds, and it never changes.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(ext.ParseStructTags(true), reflect.TypeFor[ProfileView](), reflect.TypeFor[EventView]()),
		cel.Variable("profile", cel.ObjectType("journey.ProfileView")),
		cel.Variable("event", cel.ObjectType("journey.EventView")),
		cel.Variable("entry", cel.ObjectType("journey.EventView")),
		cel.Variable("journey", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("now", cel.TimestampType),
		cel.CrossTypeNumericComparisons(true),
		ext.Strings(),
	)
})

// Condition is a compiled CEL condition, ready to evaluate many times.
type Condition struct {
	Source string
	prg    cel.Program
}

// Compile parses and type-checks a CEL condition, which must yield a bool,
// into a program that runs under the cost limit. It is what a run or the
// router uses on a stored condition; saving one goes through
// CheckCondition, which also refuses what is too long or too costly.
func Compile(src string) (*Condition, error) {
	env, ast, err := compileAST(src)
	if err != nil {
		return nil, err
	}
	prg, err := env.Program(ast, programOptions()...)
	if err != nil {
		return nil, fmt.Errorf("plan CEL program: %w", err)
	}
	return &Condition{Source: src, prg: prg}, nil
}

// compileAST parses and type-checks a condition in the one environment.
func compileAST(src string) (*cel.Env, *cel.Ast, error) {
	env, err := celEnv()
	if err != nil {
		return nil, nil, fmt.Errorf("build CEL environment: %w", err)
	}
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		return nil, nil, iss.Err()
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) && !t.IsExactType(cel.DynType) {
		return nil, nil, fmt.Errorf("yields %s, not a bool", t)
	}
	return env, ast, nil
}

// Eval evaluates the condition over the scope, deterministically (a run's
// workflow code calls it): it stops with ErrCostLimit past CostLimit. A
// condition that fails at run time (a trait the customer lacks, say) is an
// error; callers treat it as false.
func (c *Condition) Eval(s Scope) (bool, error) {
	ok, _, err := c.EvalCost(s)
	return ok, err
}

// EvalCost is Eval that also reports what the evaluation cost, in cel-go
// cost units (CostLimit when it was stopped for costing more).
func (c *Condition) EvalCost(s Scope) (bool, uint64, error) {
	return c.eval(c.prg.Eval, s)
}

// EvalContext is EvalCost that also stops, with ErrInterrupted, when ctx
// ends: for evaluations outside workflow code.
func (c *Condition) EvalContext(ctx context.Context, s Scope) (bool, uint64, error) {
	return c.eval(func(vars any) (ref.Val, *cel.EvalDetails, error) { return c.prg.ContextEval(ctx, vars) }, s)
}

func (c *Condition) eval(run func(any) (ref.Val, *cel.EvalDetails, error), s Scope) (bool, uint64, error) {
	vars := map[string]any{
		"profile": toProfileView(s.Profile), "event": toEventView(s.Event), "entry": toEventView(s.Entry),
		"journey": toStruct(s.Variables), "now": s.Now,
	}
	out, det, err := run(vars)
	cost := uint64(CostLimit)
	if det != nil && det.ActualCost() != nil {
		cost = *det.ActualCost()
	}
	if err != nil {
		return false, cost, fmt.Errorf("evaluate %q: %w", c.Source, evalError(err))
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, cost, fmt.Errorf("evaluate %q: yields %v, not a bool", c.Source, out.Type())
	}
	return b, cost, nil
}

func toEventView(e Event) EventView {
	return EventView{ID: e.MessageID, Name: e.Name, Properties: toStruct(e.Properties), Context: toStruct(e.Context), Timestamp: e.Timestamp}
}

func toProfileView(p Profile) ProfileView {
	return ProfileView{
		ID: p.ID, Traits: toStruct(p.Traits), Tags: p.Tags, Email: p.Email, Phone: p.Phone,
		Timezone: p.Timezone, Locale: p.Locale,
	}
}

// toStruct turns JSON-shaped data into a protobuf Struct. Values that are
// not JSON-shaped yet (time.Time, typed slices) go through a JSON round trip.
func toStruct(m map[string]any) *structpb.Struct {
	if s, err := structpb.NewStruct(m); err == nil {
		return s
	}
	var plain map[string]any
	if b, err := json.Marshal(m); err == nil && json.Unmarshal(b, &plain) == nil {
		if s, err := structpb.NewStruct(plain); err == nil {
			return s
		}
	}
	return &structpb.Struct{}
}
