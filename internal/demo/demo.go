// Package demo is the demo pairing's world: the users, owners, custom fields and starting deals of Acme's
// fake Salesforce and Globex's fake HubSpot, and the fixed demo credentials and ports. `cosell dev`,
// `cosell mock … --demo` and the end-to-end tests all start from it.
package demo

import (
	"net"
	"strings"

	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/mocks/mockkit"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
)

// The demo contract, documented in the README. Environment variables may move the addresses.
const (
	TemporalAddr   = "127.0.0.1:7233"
	TemporalUIPort = "8233"
	SalesforceAddr = "127.0.0.1:8701"
	HubSpotAddr    = "127.0.0.1:8702"
	SlackAddr      = "127.0.0.1:8703"
	WorkerAddr     = "127.0.0.1:8080"

	SalesforceClientID     = "demo-sf-client"
	SalesforceClientSecret = "demo-sf-secret"
	HubSpotToken           = "demo-hubspot-token"
	// HubSpotAppSecret is the client secret of Globex's HubSpot app, which signs its webhooks.
	HubSpotAppSecret = "demo-hubspot-app-secret"
	// WebhookPollInterval is the demo's safety-net poll while webhooks bring the changes in.
	WebhookPollInterval = "30s"

	// PairingFile is the demo pairing, relative to the repository root; PairingsDir the directory the
	// demo serves, which holds it alone.
	PairingFile = "examples/demo/pairing.yaml"
	PairingsDir = "examples/demo"
	// SLATimeScale makes the demo's SLAs minute-scale: a day of SLA time passes in a minute, so a request
	// left unanswered warns after 48 s, breaches at 1 min and climbs one escalation level a minute.
	SLATimeScale = "1440"
	// PilotDay is the demo's pilot day: the 90-day pilot review plays out in 15 minutes.
	PilotDay = "10s"
	// PairingID is the demo pairing's id.
	PairingID = "acme-globex"
	// SalesforceConnection and HubSpotConnection are the connection names in the demo pairing.
	SalesforceConnection = "acme-sf"
	HubSpotConnection    = "globex-hs"
)

// SalesforceOptions configures Acme's fake org with the demo credentials.
func SalesforceOptions() sfmock.Options {
	return sfmock.Options{ClientID: SalesforceClientID, ClientSecret: SalesforceClientSecret}
}

// HubSpotOptions configures Globex's fake portal with the demo private-app token.
func HubSpotOptions() hsmock.Options {
	return hsmock.Options{PrivateAppTokens: []string{HubSpotToken}}
}

// SalesforceUsers are Acme's users: two reps mapped in the demo pairing's owner map, the fallback owner,
// and a rep with no counterpart (her deals get Globex's fallback owner).
func SalesforceUsers() []sfmock.Record {
	return []sfmock.Record{
		{"Name": "Jane Doe", "Email": "jane.doe@acme.example", "IsActive": true},
		{"Name": "Sam Lee", "Email": "sam.lee@acme.example", "IsActive": true},
		{"Name": "Acme Ops", "Email": "ops@acme.example", "IsActive": true},
		{"Name": "Maria Garcia", "Email": "maria.garcia@acme.example", "IsActive": true},
	}
}

// HubSpotOwners are Globex's owners, mirroring SalesforceUsers.
func HubSpotOwners() []hsmock.SeedOwner {
	return []hsmock.SeedOwner{
		{ID: "71001", Email: "jdoe@globex.example", FirstName: "John", LastName: "Doe", UserID: 9001},
		{ID: "71002", Email: "slee@globex.example", FirstName: "Sue", LastName: "Lee", UserID: 9002},
		{ID: "71003", Email: "ops@globex.example", FirstName: "Globex", LastName: "Ops", UserID: 9003},
		{ID: "71004", Email: "kim.park@globex.example", FirstName: "Kim", LastName: "Park", UserID: 9004},
	}
}

// The demo's Salesforce Accounts, which its opportunities belong to: the account's Website is the
// deal's account identity (the demo pairing's account_domain).
const (
	InitechAccountID  = "001000000000001AAA"
	UmbrellaAccountID = "001000000000002AAA"
)

// Salesforce is Acme's starting data: users, the accounts, one opportunity already flagged for co-sell,
// and one a person can flag to watch the mirror happen.
func Salesforce() sfmock.SeedData {
	return sfmock.SeedData{
		Users: SalesforceUsers(),
		Accounts: []sfmock.Record{
			{"Id": InitechAccountID, "Name": "Initech, Inc.", "Website": "https://www.initech.example"},
			{"Id": UmbrellaAccountID, "Name": "Umbrella Corporation", "Website": "umbrella.example"},
		},
		Opportunities: []sfmock.Record{
			{"Name": "Initech rollout", "StageName": "Qualification", "CloseDate": "2026-12-31", "Amount": 125000,
				"NextStep": "Joint discovery call", "OwnerId": "jane.doe@acme.example", "CoSell_Enabled__c": true,
				"AccountId": InitechAccountID},
			{"Name": "Umbrella pilot", "StageName": "Prospecting", "CloseDate": "2027-02-15", "Amount": 48000,
				"OwnerId": "sam.lee@acme.example", "CoSell_Enabled__c": false, "AccountId": UmbrellaAccountID},
		},
	}
}

// HooliCompanyID is the demo's HubSpot company, the primary company of its flagged deal.
const HooliCompanyID = "20000000001"

// HubSpot is Globex's starting data: the custom properties, owners, the company, and one deal already
// flagged, whose primary company it is.
func HubSpot() hsmock.SeedData {
	return hsmock.SeedData{
		Properties: hsmock.CoSellProperties(),
		Owners:     HubSpotOwners(),
		Companies:  []hsmock.SeedRecord{{ID: HooliCompanyID, Properties: map[string]any{"name": "Hooli", "domain": "hooli.example"}}},
		Deals: []hsmock.SeedRecord{{Companies: []string{HooliCompanyID}, Properties: map[string]any{
			"dealname": "Hooli expansion", "dealstage": "presentationscheduled", "pipeline": "default",
			"amount": "310000", "closedate": "2027-01-20", "hubspot_owner_id": "71002", "cosell_enabled": "true",
		}}},
	}
}

// Webhooks points the fakes' webhooks at a worker listening on workerAddr (host:port; an unspecified
// host means this machine): Globex's HubSpot app posts signed webhooks, Acme's org Outbound Messages.
func Webhooks(workerAddr string) (hubspot, salesforce mockkit.WebhookKnobs) {
	host, port, err := net.SplitHostPort(workerAddr)
	if err != nil {
		host, port = workerAddr, "80"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	base := "http://" + net.JoinHostPort(strings.Trim(host, "[]"), port) + "/webhooks/"
	return mockkit.WebhookKnobs{URL: base + "hubspot/" + HubSpotConnection, Secret: HubSpotAppSecret},
		mockkit.WebhookKnobs{URL: base + "salesforce/" + SalesforceConnection + "/outbound"}
}
