// Package subs is the consumers' side of subscriptions: a subset of Svix's
// HTTP API (applications, endpoints, secrets, recovery, messages and
// attempts, event types) through which API consumers register their own
// webhook endpoints at runtime, and the verifier that runs the CloudEvents
// validation handshake before an endpoint gets traffic. Endpoints live in
// the store; deliveries to them are ordinary outbox deliveries, sent by the
// dispatcher through the SSRF-guarded client.
package subs
