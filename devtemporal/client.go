package devtemporal

import "go.temporal.io/sdk/client"

// ConfigureClient sets what a client of the embedded server wants that a
// client of a remote one does not: no gRPC compression. The SDK gzips every
// call by default; the embedded server is in the same process, over
// loopback, so compressing spends CPU at both ends (about 2% of an entry's)
// and saves no bandwidth worth having.
func ConfigureClient(opts *client.Options) {
	opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
}
