package event

// Description says in a sentence what an event of type typ (one of Types)
// tells, for the lists consumers choose their event types from; "" for a
// type that is none of Types.
func Description(typ string) string {
	switch typ {
	case TypeChanged:
		return "The watched API answered differently from the last poll: data lists the changes (or, for a split watch, the one element that changed)."
	case TypeFailing:
		return "Polls of the watch have failed several times in a row: data has the error, the number of failures and since when."
	case TypeRecovered:
		return "A watch that was failing is polled successfully again: data has the number of failures and since when."
	case TypeTruncated:
		return "A poll of a split watch found more changed elements than max_events: data counts the element events not sent."
	case TypeSubscriptionDisabled:
		return "A consumer's endpoint was disabled after its deliveries failed for disable_after: data.watch is the endpoint's id."
	case TypeTest:
		return "A sample event sent on request (test-target, send-example) to check a receiver; it changes nothing."
	}
	return ""
}
