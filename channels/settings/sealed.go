package settings

// Seal encrypts a workspace secret that belongs to no channel (purpose
// names it, e.g. "identity-verification") with the same key and format as
// channel secrets, bound to the workspace and purpose. A nil Keyring
// returns ErrNoKey.
func (k *Keyring) Seal(workspaceID, purpose string, plaintext []byte) ([]byte, error) {
	return k.seal(workspaceID, "purpose:"+purpose, plaintext)
}

// Open decrypts what Seal returned for the same workspace and purpose.
func (k *Keyring) Open(workspaceID, purpose string, sealed []byte) ([]byte, error) {
	return k.open(workspaceID, "purpose:"+purpose, sealed)
}

// Keyring is the keyring the Resolver seals with; nil when the process has
// no secrets key.
func (r *Resolver) Keyring() *Keyring { return r.opts.Keyring }
