package daemon

import (
	"io"
	"log/slog"

	"github.com/pollhook/pollhook/config"
)

// NewLogger returns the logger the configuration asks for, writing to w:
// text or JSON (log_format), at the level of log_level, which a reload can
// change through the returned LevelVar.
func NewLogger(w io.Writer, cfg *config.Config) (*slog.Logger, *slog.LevelVar) {
	level := new(slog.LevelVar)
	level.Set(logLevel(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), level
	}
	return slog.New(slog.NewTextHandler(w, opts)), level
}

// logLevel maps a log_level setting to a slog level; anything else is
// info.
func logLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
