package svix

type PostOptions struct {
	IdempotencyKey *string
}
