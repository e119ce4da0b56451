package vocab

// Registration and conflict detection (issue #9, items 1 and 2).
const (
	// RegistrationConflict tells both partners of a deal that another deal registered its account
	// first: the deal is a conflict pointing at the primary until an admin settles it.
	RegistrationConflict Event = "registration_conflict"
	// ConflictResolved tells both partners of a conflicting deal how an admin settled it.
	ConflictResolved Event = "conflict_resolved"
)

// The canonical fields that carry a deal's account identity. A pairing maps them to where each CRM keeps
// them (Salesforce: a formula field on the opportunity showing its Account's Website; HubSpot: a deal
// property holding the associated company's domain); the account key is the normalized domain, or the
// normalized company name when there is no domain.
const (
	FieldAccountDomain = "account_domain"
	FieldAccountName   = "account_name"
)

// The registration's answer, as both CRMs hold it: CoSell_Status__c / cosell_status is pending, accepted
// or declined, with CoSell_Decline_Reason__c / cosell_decline_reason. Only the other partner's answer
// ends the acceptance SLA.
const (
	FieldCoSellStatus  = "cosell_status"
	FieldDeclineReason = "cosell_decline_reason"
)
