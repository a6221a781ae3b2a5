package cli

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/tabiji/tabiji/payloadcodec"
)

// PayloadKeyFlags list the secrets keys Temporal payloads were encrypted
// with before TABIJI_SECRETS_KEY changed; the codec reads them, never writes.
type PayloadKeyFlags struct {
	SecretsKeyPrevious []string `name:"secrets-key-previous" env:"TABIJI_SECRETS_KEY_PREVIOUS" sep:"," help:"Former TABIJI_SECRETS_KEY values, comma-separated, still needed to read Temporal payloads written with them (runs started before a key rotation); the same on the API and every worker."`
}

// errNoSecretsKey is the one line tabiji api and worker stop with when no
// secrets key is set: without it, Temporal would store payloads in clear.
var errNoSecretsKey = errors.New("TABIJI_SECRETS_KEY is not set: tabiji api and worker encrypt Temporal payloads with it; " +
	"set the same key of 32+ characters (e.g. openssl rand -base64 32) on the API and every worker")

// newPayloadCodec is the codec of every Temporal client the process makes.
func newPayloadCodec(secretsKey string, f PayloadKeyFlags) (*payloadcodec.Codec, error) {
	if secretsKey == "" {
		return nil, errNoSecretsKey
	}
	return payloadcodec.New(secretsKey, f.SecretsKeyPrevious...)
}

// devPayloadCodec is the dev stack's codec, with the secrets key kept in
// the data dir (generated on first start) unless TABIJI_SECRETS_KEY is set.
func (d *DevCmd) devPayloadCodec(dir string) (*payloadcodec.Codec, error) {
	key, err := devSecret(dir, "secrets-key", d.SecretsKey)
	if err != nil {
		return nil, err
	}
	d.SecretsKey = key
	return newPayloadCodec(key, d.PayloadKeyFlags)
}

// devHTTPAddr resolves the API's address before the Web UI starts, so the
// UI can be pointed at its codec endpoint: the address to bind (port 0
// made a free port) and the address a browser on this machine reaches.
func devHTTPAddr(addr string) (bind, dial string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", "", fmt.Errorf("listen on %s: %w (is another process using it? pass --http-addr)", addr, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return "", "", fmt.Errorf("free %s: %w", addr, err)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("--http-addr %s: %w", addr, err)
	}
	bind = net.JoinHostPort(host, strconv.Itoa(port))
	if ip := net.ParseIP(host); host == "" || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return bind, net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// origin is scheme://host[:port] of rawURL, as a browser sends it in Origin.
func origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
