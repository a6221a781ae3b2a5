// Package temporalheaders keeps Temporal's routing headers sendable when a
// workflow ID is not plain ASCII. The SDK copies the workflow ID of each
// request into the gRPC header temporal-resource-id, and gRPC refuses a
// header value outside printable ASCII: a customer id such as "顧客42" or
// "josé" then made every SignalWithStart and Signal of that customer's
// runs fail before it left the process ("header key temporal-resource-id
// contains value with non-printable ASCII characters"). The server reads
// the workflow ID from the request itself; the header only steers proxies,
// so escaping its value changes nothing else.
package temporalheaders

import (
	"context"
	"fmt"
	"strings"

	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Configure adds the interceptor to the client's connection. It runs after
// the SDK's own, which sets the headers.
func Configure(opts *client.Options) {
	opts.ConnectionOptions.DialOptions = append(opts.ConnectionOptions.DialOptions,
		grpc.WithChainUnaryInterceptor(Interceptor))
}

// Interceptor percent-escapes the bytes outside printable ASCII in the
// values of temporal-* headers (not -bin ones, which gRPC encodes itself).
func Interceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	md, ok := metadata.FromOutgoingContext(ctx)
	if ok && needsEscape(md) {
		md = md.Copy()
		for key, values := range md {
			if !strings.HasPrefix(key, "temporal-") || strings.HasSuffix(key, "-bin") {
				continue
			}
			for i, v := range values {
				values[i] = escape(v)
			}
		}
		ctx = metadata.NewOutgoingContext(ctx, md)
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

func needsEscape(md metadata.MD) bool {
	for key, values := range md {
		if !strings.HasPrefix(key, "temporal-") || strings.HasSuffix(key, "-bin") {
			continue
		}
		for _, v := range values {
			if escape(v) != v {
				return true
			}
		}
	}
	return false
}

// escape writes each byte outside printable ASCII (0x20-0x7E) as %XX.
func escape(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
