package workflows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// EnsureSearchAttributes adds the journey search attributes a namespace
// lacks. Where the caller may not change the namespace (Temporal Cloud API
// keys usually cannot), the error gives the exact commands to run instead.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]struct{}{}
	add := &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: SearchAttributes()}
	for name := range add.SearchAttributes {
		if _, ok := have.GetCustomAttributes()[name]; ok {
			delete(add.SearchAttributes, name)
		} else {
			missing[name] = struct{}{}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, add)
	var denied *serviceerror.PermissionDenied
	if errors.As(err, &denied) {
		return fmt.Errorf("namespace %s lacks the search attributes Tabiji needs and this key may not add them: run\n%s", namespace, SearchAttributeCommands(namespace))
	}
	if err != nil {
		return fmt.Errorf("add search attributes to namespace %s: %w", namespace, err)
	}
	return nil
}

// SearchAttributeCommands is the Temporal CLI command that creates the
// journey search attributes on a namespace, for operators who create them
// by hand.
func SearchAttributeCommands(namespace string) string {
	attrs := SearchAttributes()
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	fmt.Fprintf(&b, "  temporal operator search-attribute create --namespace %s", namespace)
	for _, name := range names {
		typ := strings.TrimPrefix(attrs[name].String(), "INDEXED_VALUE_TYPE_")
		fmt.Fprintf(&b, " \\\n    --name %s --type %s", name, strings.ToUpper(typ[:1])+strings.ToLower(typ[1:]))
	}
	return b.String()
}
