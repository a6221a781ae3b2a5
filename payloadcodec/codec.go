// Package payloadcodec encrypts the payloads Tabiji hands to Temporal
// (workflow and activity inputs and results, signals, queries, failures), so
// profiles, message bodies and webhook bodies are not readable in Temporal's
// database or in its Web UI without the key.
package payloadcodec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

const (
	// Encoding is the metadata "encoding" of a payload this codec encrypted.
	Encoding = "binary/encrypted"
	// MetadataKeyID names the metadata entry holding the id of the key that
	// encrypted the payload, so a payload written before a key rotation
	// still finds its key.
	MetadataKeyID = "encryption-key-id"
	// MetadataWorkspace names the metadata entry holding the workspace of
	// the run the payload belongs to (bound into the ciphertext): the codec
	// endpoint decodes for an admin of that workspace only.
	MetadataWorkspace = "tabiji-workspace"
	// MinKeyLength is the shortest secrets key accepted, as for channel secrets.
	MinKeyLength = 32
)

// ErrUnknownKey is returned for a payload encrypted with a key this codec
// was not given.
var ErrUnknownKey = errors.New("payloadcodec: the payload was encrypted with a key that is neither TABIJI_SECRETS_KEY nor in TABIJI_SECRETS_KEY_PREVIOUS")

// Codec is a converter.PayloadCodec with AES-256-GCM. New payloads are
// encrypted with the current key; payloads of any listed key decrypt, and
// payloads without Encoding (histories recorded before the codec) pass
// through unchanged. Each payload carries the workspace of its run, taken
// from the SDK's serialization context (the workflow ID).
type Codec struct {
	current string
	keys    map[string]cipher.AEAD
	// workspace is bound into new payloads ("" when the SDK gave no context).
	workspace string
	// scoped restricts Decode to payloads of workspace (ForWorkspace).
	scoped bool
}

var (
	_ converter.PayloadCodec                         = (*Codec)(nil)
	_ converter.PayloadCodecWithSerializationContext = (*Codec)(nil)
)

// New derives the payload keys from the secrets key (HKDF-SHA256, apart
// from the channel secrets' key) and from each previous secrets key still
// needed to read older payloads.
func New(secret string, previous ...string) (*Codec, error) {
	c := &Codec{keys: map[string]cipher.AEAD{}}
	for i, s := range append([]string{secret}, previous...) {
		id, aead, err := derive(s)
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("TABIJI_SECRETS_KEY: %w", err)
			}
			return nil, fmt.Errorf("TABIJI_SECRETS_KEY_PREVIOUS (key %d): %w", i, err)
		}
		if i == 0 {
			c.current = id
		}
		if _, dup := c.keys[id]; !dup {
			c.keys[id] = aead
		}
	}
	return c, nil
}

// derive returns a key's public id and its cipher. The id is derived with
// its own HKDF label, so it tells nothing about the key.
func derive(secret string) (string, cipher.AEAD, error) {
	if len(secret) < MinKeyLength {
		return "", nil, fmt.Errorf("the secrets key must be at least %d characters (openssl rand -base64 32 makes one), not %d", MinKeyLength, len(secret))
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "tabiji temporal payloads v1", 32)
	if err != nil {
		return "", nil, fmt.Errorf("derive the payload key: %w", err)
	}
	id, err := hkdf.Key(sha256.New, []byte(secret), nil, "tabiji temporal payload key id v1", 8)
	if err != nil {
		return "", nil, fmt.Errorf("derive the payload key id: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", nil, fmt.Errorf("payload cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return "", nil, fmt.Errorf("payload cipher: %w", err)
	}
	return hex.EncodeToString(id), aead, nil
}

// KeyID is the id of the key new payloads are encrypted with.
func (c *Codec) KeyID() string { return c.current }

// WithSerializationContext is the codec for the payloads of one workflow
// or activity: they carry the workspace of its workflow ID.
func (c *Codec) WithSerializationContext(ctx converter.SerializationContext) converter.PayloadCodec {
	var id string
	switch sc := ctx.(type) {
	case converter.WorkflowSerializationContext:
		id = sc.WorkflowID
	case converter.ActivitySerializationContext:
		id = sc.WorkflowID
	}
	ws := workspaceOf(id)
	if ws == c.workspace {
		return c
	}
	cp := *c
	cp.workspace = ws
	return &cp
}

// ForWorkspace is the codec an admin of the workspace may use through the
// codec endpoint: it encodes for that workspace and decodes only that
// workspace's payloads, leaving every other payload as it came.
func (c *Codec) ForWorkspace(workspace string) *Codec {
	cp := *c
	cp.workspace, cp.scoped = workspace, true
	return &cp
}

// workspaceOf reads the workspace out of a Tabiji workflow ID
// ("ws_<workspace>/…", see workflows.JourneyWorkflowID and
// BroadcastWorkflowID; a workspace id holds no slash).
func workspaceOf(workflowID string) string {
	rest, ok := strings.CutPrefix(workflowID, "ws_")
	if !ok {
		return ""
	}
	ws, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return ws
}

// additionalData binds the metadata the ciphertext is read with.
func additionalData(keyID, workspace string) []byte {
	return []byte(Encoding + "\x00" + keyID + "\x00" + workspace)
}

// Encode encrypts each payload (its metadata and data, marshalled) with the
// current key: nonce, then ciphertext and tag.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.keys[c.current]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("payloadcodec: marshal payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return payloads, fmt.Errorf("payloadcodec: nonce: %w", err)
		}
		meta := map[string][]byte{converter.MetadataEncoding: []byte(Encoding), MetadataKeyID: []byte(c.current)}
		if c.workspace != "" {
			meta[MetadataWorkspace] = []byte(c.workspace)
		}
		out[i] = &commonpb.Payload{Metadata: meta, Data: aead.Seal(nonce, nonce, plain, additionalData(c.current, c.workspace))}
	}
	return out, nil
}

// Decode decrypts the payloads this codec encrypted and passes every other
// payload through unchanged (a scoped codec passes other workspaces'
// payloads through still encrypted).
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		meta := p.GetMetadata()
		if string(meta[converter.MetadataEncoding]) != Encoding || (c.scoped && !c.owns(p)) {
			out[i] = p
			continue
		}
		plain, err := c.open(p)
		if err != nil {
			return payloads, err
		}
		out[i] = &commonpb.Payload{}
		if err := proto.Unmarshal(plain, out[i]); err != nil {
			return payloads, fmt.Errorf("payloadcodec: unmarshal decrypted payload: %w", err)
		}
	}
	return out, nil
}

// owns reports whether the payload belongs to the codec's workspace; a
// payload encoded without a workspace belongs to none.
func (c *Codec) owns(p *commonpb.Payload) bool {
	ws := string(p.GetMetadata()[MetadataWorkspace])
	return ws != "" && ws == c.workspace
}

func (c *Codec) open(p *commonpb.Payload) ([]byte, error) {
	id := string(p.GetMetadata()[MetadataKeyID])
	aead, ok := c.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w (key id %q)", ErrUnknownKey, id)
	}
	n := aead.NonceSize()
	if len(p.GetData()) < n+aead.Overhead() {
		return nil, errors.New("payloadcodec: encrypted payload is too short")
	}
	ws := string(p.GetMetadata()[MetadataWorkspace])
	plain, err := aead.Open(nil, p.GetData()[:n], p.GetData()[n:], additionalData(id, ws))
	if err != nil {
		return nil, fmt.Errorf("payloadcodec: encrypted payload does not open (altered, or not written by this key): %w", err)
	}
	return plain, nil
}

// DataConverter is Temporal's default data converter with this codec after
// it.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// Configure sets the client options' data converter to DataConverter, and
// their failure converter to one that moves failure messages and stack
// traces into an encrypted payload too (provider errors may quote an
// address). Workers created from the client inherit both.
func (c *Codec) Configure(o *client.Options) {
	dc := c.DataConverter()
	o.DataConverter = dc
	o.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: dc, EncodeCommonAttributes: true,
	})
}
