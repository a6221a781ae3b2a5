package people

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's costs. They are written into every hash (the PHC
// string format), so they can be raised later: a hash made with other
// parameters still verifies, and Verify says it should be made again.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams follow OWASP's argon2id minimum (19 MiB, two passes, one
// thread): about 30 ms a hash here, and the memory an attacker pays per guess.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// MinPasswordLen and MaxPasswordLen bound a password (NIST SP 800-63B: at
// least 8; the upper bound keeps hashing cheap to ask for).
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// ErrMalformedHash means a stored hash is not an argon2id PHC string.
var ErrMalformedHash = errors.New("people: malformed password hash")

// CheckPassword says what is wrong with a new password, or "".
func CheckPassword(pw string) string {
	switch n := len([]rune(pw)); {
	case n < MinPasswordLen:
		return fmt.Sprintf("must have at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return fmt.Sprintf("must have at most %d bytes", MaxPasswordLen)
	}
	return ""
}

// Hash returns the password's argon2id hash in the PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded base64).
func (p Params) Hash(password string) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("people: unable to draw a salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify says whether password matches the PHC hash, and whether the hash
// was made with parameters other than p (so it should be made again now
// that the password is known).
func (p Params) Verify(hash, password string) (ok, rehash bool, err error) {
	got, salt, key, err := parsePHC(hash)
	if err != nil {
		return false, false, err
	}
	sum := argon2.IDKey([]byte(password), salt, got.Time, got.Memory, got.Threads, got.KeyLen)
	ok = subtle.ConstantTimeCompare(sum, key) == 1
	rehash = got != p
	return ok, rehash, nil
}

// parsePHC reads $argon2id$v=19$m=…,t=…,p=…$salt$key.
func parsePHC(hash string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrMalformedHash, parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Time == 0 || p.Threads == 0 || p.Memory > 4<<20 || p.Time > 100 {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformedHash, parts[3])
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrMalformedHash)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("%w: key", ErrMalformedHash)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key)) //nolint:gosec // G115: both lengths are at most 64, checked above
	return p, salt, key, nil
}
