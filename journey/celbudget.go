package journey

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
)

// The limits every CEL condition lives under, wherever it is evaluated
// (entry filters during ingestion, branch, wait and exit conditions and goal
// matches in runs, scoring rules). A workspace admin writes conditions, so a
// condition is hostile input: it is refused at save when it is too long or
// its worst case is too costly, and stopped at run time when it costs more
// than CostLimit on the data at hand.
const (
	// MaxConditionBytes is the longest condition accepted at save.
	MaxConditionBytes = 4 << 10
	// CostLimit is the most one evaluation may cost, in cel-go cost units
	// (about one per operation, strings and lists by size; tens of
	// nanoseconds each): well under Temporal's one-second deadlock detector.
	CostLimit = 300_000
	// EstimatedCostLimit is the most a condition's estimated worst case may
	// cost to be accepted at save. The estimate takes every value of an
	// event or profile at the largest an ingestion call allows, so it is far
	// above what real data costs; as in Kubernetes' CEL rules it is ten times
	// the run-time limit, which stops what the estimate lets through.
	EstimatedCostLimit = 10 * CostLimit
	// MaxValueSize is the largest size (characters, list items, map
	// entries) the estimate assumes for any value a condition reads: no
	// value of one ingestion call (ingest.MaxCall, 32 KB) is larger.
	MaxValueSize = 32 << 10
	// RegexProgramLimit caps the compiled size of a regular expression that
	// matches() uses, constant or read from data.
	RegexProgramLimit = 1000
	// interruptEvery is how many comprehension iterations run between two
	// looks at the context of EvalContext.
	interruptEvery = 100
)

// Budget is a number of CEL cost units that several evaluations share:
// those one ingestion call makes, say. A nil Budget is unlimited.
type Budget struct{ left atomic.Int64 }

// NewBudget returns a budget of units.
func NewBudget(units int64) *Budget {
	b := &Budget{}
	b.left.Store(units)
	return b
}

// Left reports whether another evaluation may start.
func (b *Budget) Left() bool { return b == nil || b.left.Load() > 0 }

// Spend takes an evaluation's cost from the budget.
func (b *Budget) Spend(cost uint64) {
	if b != nil {
		b.left.Add(-int64(min(cost, math.MaxInt32)))
	}
}

// ErrCostLimit says an evaluation was stopped for costing more than
// CostLimit.
var ErrCostLimit = errors.New("stopped: the condition costs more than the CEL cost limit")

// ErrInterrupted says an evaluation was stopped because its context ended.
var ErrInterrupted = errors.New("stopped: the evaluation was interrupted")

// programOptions are the options of every condition's program.
func programOptions() []cel.ProgramOption {
	return []cel.ProgramOption{
		cel.CostLimit(CostLimit),
		cel.InterruptCheckFrequency(interruptEvery),
		cel.CostTracking(runtimeCosts{}),
		// Replacing the implementations of functions the environment already declares (the
		// strings extension's) has no other program option yet.
		cel.Functions(guardedFunctions()...), //nolint:staticcheck // SA1019: see above
	}
}

// evalError turns a cancelled evaluation into ErrCostLimit or ErrInterrupted.
func evalError(err error) error {
	var cancelled interpreter.EvalCancelledError
	if errors.As(err, &cancelled) {
		if cancelled.Cause == interpreter.CostLimitExceeded {
			return ErrCostLimit
		}
		return ErrInterrupted
	}
	if errors.Is(err, interpreter.InterruptError{}) {
		return ErrInterrupted
	}
	return err
}

// CheckCondition is the save-time check of a condition: its length, its
// syntax and types (as Compile), and its estimated worst-case cost.
func CheckCondition(src string) error {
	if len(src) > MaxConditionBytes {
		return fmt.Errorf("is %d bytes long; a condition may hold at most %d", len(src), MaxConditionBytes)
	}
	env, ast, err := compileAST(src)
	if err != nil {
		return fmt.Errorf("is not a valid CEL condition: %w", err)
	}
	if usesFormat(ast) {
		return errors.New("uses format(), which is not available in conditions")
	}
	if err := checkRegexes(ast); err != nil {
		return err
	}
	est, err := env.EstimateCost(ast, sizeHints{})
	if err != nil {
		return fmt.Errorf("is not a valid CEL condition: estimate its cost: %w", err)
	}
	if est.Max > EstimatedCostLimit {
		return fmt.Errorf("is too costly: its worst case is estimated at %s CEL cost units (values of up to %d items or characters), more than the budget of %d; iterate over fewer or smaller values, or nest fewer comprehensions",
			costString(est.Max), MaxValueSize, EstimatedCostLimit)
	}
	return nil
}

// usesFormat says whether the checked condition calls format().
func usesFormat(ast *cel.Ast) bool {
	for _, r := range ast.NativeRep().ReferenceMap() {
		for _, id := range r.OverloadIDs {
			if id == "string_format" {
				return true
			}
		}
	}
	return false
}

// checkRegexes refuses a constant regex that matches() would refuse at
// run time: one that does not compile, or compiles to more than
// RegexProgramLimit instructions.
func checkRegexes(a *cel.Ast) error {
	for _, call := range celast.MatchDescendants(celast.NavigateAST(a.NativeRep()), celast.FunctionMatcher(overloads.Matches)) {
		args := call.AsCall().Args()
		pattern, ok := args[len(args)-1].AsLiteral().(types.String)
		if !ok {
			continue
		}
		n, err := regexProgramSize(string(pattern))
		switch {
		case err != nil:
			return fmt.Errorf("is not a valid CEL condition: %w", err)
		case n > RegexProgramLimit:
			return fmt.Errorf("uses a regex of %d instructions; at most %d are allowed", n, RegexProgramLimit)
		}
	}
	return nil
}

func costString(c uint64) string {
	if c == ^uint64(0) {
		return "unbounded"
	}
	return fmt.Sprintf("%d", c)
}

// sizeHints bounds, for the estimate, every value whose size the
// expression does not show by the largest value an ingestion call carries.
type sizeHints struct{}

func (sizeHints) EstimateSize(cost.AstNode) *cost.SizeEstimate {
	return &cost.SizeEstimate{Min: 0, Max: MaxValueSize}
}

func (sizeHints) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}
