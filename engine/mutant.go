package engine

// BreakAckRuleForTest breaks the engine's first rule on purpose, as mutantAdvanceBeforeAck does for the
// engine's own model test: a party's cells advance when a write is issued, not when its CRM
// acknowledges it. It exists so that the workflow model test (package workflows) can show that it
// catches a broken rule through the real workflow too. Only tests call it, never concurrently with
// another engine; it returns the function that restores the rule.
func BreakAckRuleForTest() (restore func()) {
	mutantAdvanceBeforeAck = true
	return func() { mutantAdvanceBeforeAck = false }
}
