package settings

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// ErrNoKey is returned when secrets must be sealed or opened and the
// process has no TABIJI_SECRETS_KEY.
var ErrNoKey = errors.New("settings: no secrets key: set TABIJI_SECRETS_KEY (the same value on the API and every worker)")

// MinKeyLength is the shortest secrets key accepted.
const MinKeyLength = 32

// sealVersion is the first byte of a sealed value, so the format can change.
const sealVersion = 1

// Keyring seals channel secrets at rest with AES-256-GCM. The key is derived
// with HKDF-SHA256 from the operator's TABIJI_SECRETS_KEY; every sealed
// value is bound to its workspace and channel (the GCM additional data), so
// a row copied to another workspace does not open.
type Keyring struct {
	aead cipher.AEAD
}

// NewKeyring derives the sealing key from secret, which must be at least
// MinKeyLength characters (openssl rand -base64 32 makes one).
func NewKeyring(secret string) (*Keyring, error) {
	if len(secret) < MinKeyLength {
		return nil, fmt.Errorf("settings: the secrets key must be at least %d characters (openssl rand -base64 32 makes one), not %d", MinKeyLength, len(secret))
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "tabiji channel secrets v1", 32)
	if err != nil {
		return nil, fmt.Errorf("settings: derive the secrets key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("settings: secrets cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("settings: secrets cipher: %w", err)
	}
	return &Keyring{aead: aead}, nil
}

func additionalData(workspaceID, channel string) []byte {
	return []byte(workspaceID + "\x00" + channel)
}

// seal encrypts plaintext for the workspace's channel: version, nonce,
// ciphertext and tag. A nil Keyring returns ErrNoKey.
func (k *Keyring) seal(workspaceID, channel string, plaintext []byte) ([]byte, error) {
	if k == nil {
		return nil, ErrNoKey
	}
	nonce := make([]byte, k.aead.NonceSize(), 1+k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("settings: nonce: %w", err)
	}
	out := append([]byte{sealVersion}, nonce...)
	return k.aead.Seal(out, nonce, plaintext, additionalData(workspaceID, channel)), nil
}

// open decrypts what seal returned for the same workspace and channel.
func (k *Keyring) open(workspaceID, channel string, sealed []byte) ([]byte, error) {
	if k == nil {
		return nil, ErrNoKey
	}
	n := k.aead.NonceSize()
	if len(sealed) < 1+n+k.aead.Overhead() || sealed[0] != sealVersion {
		return nil, fmt.Errorf("settings: %s secrets of %q are not sealed by this version of tabiji", channel, workspaceID)
	}
	plain, err := k.aead.Open(nil, sealed[1:1+n], sealed[1+n:], additionalData(workspaceID, channel))
	if err != nil {
		return nil, fmt.Errorf("settings: %s secrets of %q do not open with this TABIJI_SECRETS_KEY (was it changed?): %w", channel, workspaceID, err)
	}
	return plain, nil
}
