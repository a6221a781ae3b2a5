package payloadcodec

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

const (
	keyA = "tabiji-test-secrets-key-A-0123456789abcdef"
	keyB = "tabiji-test-secrets-key-B-0123456789abcdef"
)

type profile struct {
	Email string `json:"email"`
	Body  string `json:"body"`
}

var alice = profile{Email: "alice@example.jp", Body: "こんにちは Alice, your cart is waiting"}

func newCodec(t *testing.T, secret string, previous ...string) *Codec {
	t.Helper()
	c, err := New(secret, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func encodeOne(t *testing.T, c *Codec, v any) *commonpb.Payload {
	t.Helper()
	p, err := c.DataConverter().ToPayload(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCodec(t *testing.T) {
	t.Run("RoundTripsAndHidesTheContent", func(t *testing.T) {
		c := newCodec(t, keyA)
		p := encodeOne(t, c, alice)
		raw, _ := proto.Marshal(p)
		for _, clear := range []string{alice.Email, "alice", "cart is waiting", "json/plain"} {
			if bytes.Contains(raw, []byte(clear)) {
				t.Errorf("encoded payload holds %q in clear", clear)
			}
		}
		if got := string(p.Metadata[converter.MetadataEncoding]); got != Encoding {
			t.Errorf("encoding = %q, want %q", got, Encoding)
		}
		if got := string(p.Metadata[MetadataKeyID]); got != c.KeyID() || len(got) != 16 {
			t.Errorf("key id = %q, want the codec's %q", got, c.KeyID())
		}
		var back profile
		if err := c.DataConverter().FromPayload(p, &back); err != nil || back != alice {
			t.Errorf("decoded %+v, %v; want %+v", back, err, alice)
		}
	})

	t.Run("EachEncodingIsFresh", func(t *testing.T) {
		c := newCodec(t, keyA)
		if a, b := encodeOne(t, c, alice), encodeOne(t, c, alice); bytes.Equal(a.Data, b.Data) {
			t.Error("two encodings of one value are equal: the nonce is not random")
		}
	})

	t.Run("RefusesAnAlteredPayload", func(t *testing.T) {
		c := newCodec(t, keyA)
		for name, alter := range map[string]func(p *commonpb.Payload){
			"FlippedBit":   func(p *commonpb.Payload) { p.Data[len(p.Data)-1] ^= 1 },
			"Truncated":    func(p *commonpb.Payload) { p.Data = p.Data[:10] },
			"OtherKeyID":   func(p *commonpb.Payload) { p.Metadata[MetadataKeyID] = []byte("0000000000000000") },
			"NonceChanged": func(p *commonpb.Payload) { p.Data[0] ^= 0x80 },
		} {
			t.Run(name, func(t *testing.T) {
				p := encodeOne(t, c, alice)
				alter(p)
				if _, err := c.Decode([]*commonpb.Payload{p}); err == nil {
					t.Error("an altered payload decoded")
				}
			})
		}
	})

	t.Run("AnotherKeyCannotRead", func(t *testing.T) {
		p := encodeOne(t, newCodec(t, keyA), alice)
		_, err := newCodec(t, keyB).Decode([]*commonpb.Payload{p})
		if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), "TABIJI_SECRETS_KEY_PREVIOUS") {
			t.Errorf("decode with another key: %v, want ErrUnknownKey naming TABIJI_SECRETS_KEY_PREVIOUS", err)
		}
	})

	t.Run("RotationReadsThePreviousKeyAndWritesTheNew", func(t *testing.T) {
		old := encodeOne(t, newCodec(t, keyA), alice)
		rotated := newCodec(t, keyB, keyA)
		var back profile
		if err := rotated.DataConverter().FromPayload(old, &back); err != nil || back != alice {
			t.Errorf("payload of the previous key: %+v, %v", back, err)
		}
		fresh := encodeOne(t, rotated, alice)
		if got := string(fresh.Metadata[MetadataKeyID]); got != newCodec(t, keyB).KeyID() {
			t.Errorf("new payload written with key %q, want the current key", got)
		}
		if _, err := newCodec(t, keyA).Decode([]*commonpb.Payload{fresh}); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("the old key read a payload of the new: %v", err)
		}
	})

	t.Run("PassesUnencodedPayloadsThrough", func(t *testing.T) {
		plain, err := converter.GetDefaultDataConverter().ToPayload(alice)
		if err != nil {
			t.Fatal(err)
		}
		out, err := newCodec(t, keyA).Decode([]*commonpb.Payload{plain})
		if err != nil || len(out) != 1 || !proto.Equal(out[0], plain) {
			t.Errorf("unencoded payload: %v, %v; want it unchanged", out, err)
		}
	})

	t.Run("RefusesShortKeysNamingTheSetting", func(t *testing.T) {
		if _, err := New("short"); err == nil || !strings.HasPrefix(err.Error(), "TABIJI_SECRETS_KEY: ") {
			t.Errorf("short key: %v", err)
		}
		if _, err := New(keyA, "short"); err == nil || !strings.HasPrefix(err.Error(), "TABIJI_SECRETS_KEY_PREVIOUS") {
			t.Errorf("short previous key: %v", err)
		}
	})

	t.Run("KeyIDDiffersFromTheChannelSecretsAndTellsNothing", func(t *testing.T) {
		a, b := newCodec(t, keyA), newCodec(t, keyB)
		if a.KeyID() == b.KeyID() || strings.Contains(keyA, a.KeyID()) {
			t.Errorf("key ids %q and %q", a.KeyID(), b.KeyID())
		}
	})

	t.Run("ClientFailuresAreEncryptedToo", func(t *testing.T) {
		var opts client.Options
		newCodec(t, keyA).Configure(&opts)
		f := opts.FailureConverter.ErrorToFailure(errors.New("send to alice@example.jp: 400 bad address"))
		if raw, _ := proto.Marshal(f); bytes.Contains(raw, []byte("alice@example.jp")) {
			t.Error("the failure message is in clear")
		}
		if err := opts.FailureConverter.FailureToError(f); err == nil || !strings.Contains(err.Error(), "alice@example.jp") {
			t.Errorf("decoded failure: %v", err)
		}
	})

	t.Run("PayloadsCarryTheirWorkspaceAndOnlyItsAdminsDecode", func(t *testing.T) {
		c := newCodec(t, keyA)
		run := c.WithSerializationContext(converter.WorkflowSerializationContext{Namespace: "default", WorkflowID: "ws_acme/jr_cart/u_1"})
		act := c.WithSerializationContext(converter.ActivitySerializationContext{WorkflowID: "ws_acme/bc_spring"})
		plain, _ := converter.GetDefaultDataConverter().ToPayload(alice)
		for name, codec := range map[string]converter.PayloadCodec{"Workflow": run, "Activity": act} {
			enc, err := codec.Encode([]*commonpb.Payload{plain})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(enc[0].Metadata[MetadataWorkspace]); got != "acme" {
				t.Errorf("%s payload workspace = %q, want acme", name, got)
			}
			if out, err := c.ForWorkspace("other").Decode(enc); err != nil || !proto.Equal(out[0], enc[0]) {
				t.Errorf("%s: another workspace's admin got %v, %v; want the payload left encrypted", name, out, err)
			}
			if out, err := c.ForWorkspace("acme").Decode(enc); err != nil || !proto.Equal(out[0], plain) {
				t.Errorf("%s: the workspace's admin got %v, %v; want it decoded", name, out, err)
			}
			if out, err := c.Decode(enc); err != nil || !proto.Equal(out[0], plain) {
				t.Errorf("%s: the worker got %v, %v; want it decoded", name, out, err)
			}
			enc[0].Metadata[MetadataWorkspace] = []byte("other")
			if _, err := c.Decode(enc); err == nil {
				t.Errorf("%s: a payload moved to another workspace decoded", name)
			}
		}
		noContext := encodeOne(t, c, alice)
		if out, _ := c.ForWorkspace("").Decode([]*commonpb.Payload{noContext}); proto.Equal(out[0], plain) {
			t.Error("a payload without a workspace decoded through a scoped codec")
		}
	})
}

// BenchmarkCodec is the cost of one payload of a journey entry's size
// (a definition and an event, about 4 KB) encrypted and decrypted.
func BenchmarkCodec(b *testing.B) {
	c, err := New(keyA)
	if err != nil {
		b.Fatal(err)
	}
	p, err := converter.GetDefaultDataConverter().ToPayload(map[string]string{"definition": strings.Repeat("x", 4096)})
	if err != nil {
		b.Fatal(err)
	}
	in := []*commonpb.Payload{p}
	b.SetBytes(int64(proto.Size(p)))
	for b.Loop() {
		enc, err := c.Encode(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}
