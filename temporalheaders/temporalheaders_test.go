package temporalheaders

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

func TestInterceptorEscapesWhatGRPCWouldRefuse(t *testing.T) {
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"temporal-namespace", "default", "temporal-resource-id", "workflow:ws_default/jr_cart/顧客42\x01",
		"other", "kept", "temporal-x-bin", "\xff")
	var seen metadata.MD
	err := Interceptor(ctx, "/m", nil, nil, nil, func(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
		seen, _ = metadata.FromOutgoingContext(ctx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"temporal-resource-id": "workflow:ws_default/jr_cart/%E9%A1%A7%E5%AE%A242%01",
		"temporal-namespace":   "default", "other": "kept", "temporal-x-bin": "\xff",
	} {
		if got := seen.Get(key); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}
