package salesforce

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Salesforce serves the client_credentials grant on the org's My Domain only; the fake's login host
// refuses it as login.salesforce.com does, and the connector refuses such a configuration up front.
func TestClientCredentialsNeedTheMyDomainURL(t *testing.T) {
	for _, login := range []string{"https://login.salesforce.com", "https://TEST.salesforce.com/"} {
		_, err := New(Config{LoginURL: login, ClientID: "id", ClientSecret: "secret"})
		require.Error(t, err, login)
		assert.Contains(t, err.Error(), "My Domain")
	}
	_, err := New(Config{LoginURL: "https://acme.my.salesforce.com", ClientID: "id", ClientSecret: "secret"})
	assert.NoError(t, err)
	_, err = New(Config{LoginURL: "https://login.salesforce.com", ClientID: "id", ClientSecret: "secret", Username: "u@acme.example", Password: "pw"})
	assert.NoError(t, err, "the username-password flow may use the login host")
}
