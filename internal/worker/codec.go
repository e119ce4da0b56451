package worker

import (
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/internal/codec"
	"github.com/cosellsync/cosell/internal/config"
)

// withCodec puts the payload codec of COSELL_PAYLOAD_KEYS into a client's options, so every payload
// the client and the worker built on it send to Temporal is encrypted and every one they read is
// decrypted. Every Temporal client the product builds goes through Dial, so none sends plain text
// while the keys are set. Without keys it leaves the options alone (the worker warns at start).
func withCodec(cfg config.Config, opts *client.Options) error {
	keys := cfg.PayloadKeyring()
	if keys == nil {
		return nil
	}
	c, err := codec.New(keys)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrConfig, codec.KeysEnv, err)
	}
	opts.DataConverter = c.DataConverter()
	opts.FailureConverter = c.FailureConverter()
	if opts.Logger != nil {
		opts.Logger.Debug("payloads encrypted", "cipher", codec.Cipher, "key", keys.Current(), "keys", keys.IDs())
	}
	return nil
}
