// Package wire is a bare HTTP/1.1 server for the benchmarks' peers (the
// test API and the receiver): requests with a Content-Length body or none,
// over keep-alive, each answered with a Content-Length response written
// in one piece. On a 2-core machine the peers share the CPU with what is
// measured; net/http's server spent about as much per request as
// pollhook did on its side, and the benchmark measured the peers.
//
// It trusts its clients, the benchmarks' own, on loopback: no deadlines
// (a client that stops halfway holds its goroutine), no chunked bodies,
// no Connection header lists.
package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// maxLine and maxBody bound what a request may send: a benchmark's
// requests are small.
const (
	maxLine = 16 << 10
	maxBody = 8 << 20
)

// A Request is what a handler gets: the method, the path with its query
// as sent, and the body.
type Request struct {
	Method string
	Target string
	Body   []byte
}

// Path is the request's path, without the query.
func (r *Request) Path() string {
	p, _, _ := strings.Cut(r.Target, "?")
	return p
}

// Query is the value of the query parameter key, or "".
func (r *Request) Query(key string) string {
	_, q, _ := strings.Cut(r.Target, "?")
	for _, kv := range strings.Split(q, "&") {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

// A Response is what a handler answers.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// Handler answers a request.
type Handler func(*Request) Response

// Serve answers the connections ln accepts with h until ln is closed.
func Serve(ln net.Listener, h Handler) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go serveConn(c, h)
	}
}

func serveConn(c net.Conn, h Handler) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 32<<10)
	var out []byte
	for {
		req, keep, err := readRequest(r)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				out = appendResponse(out[:0], Response{Status: 400, ContentType: "text/plain", Body: []byte(err.Error() + "\n")}, false)
				_, _ = c.Write(out)
			}
			return
		}
		out = appendResponse(out[:0], h(req), keep)
		if _, err := c.Write(out); err != nil || !keep {
			return
		}
	}
}

// readRequest reads one request; keep says whether the connection stays
// open after its response.
func readRequest(r *bufio.Reader) (req *Request, keep bool, err error) {
	line, err := readLine(r)
	if err != nil {
		return nil, false, err
	}
	method, rest, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !strings.HasPrefix(proto, "HTTP/1.") {
		return nil, false, fmt.Errorf("bad request line %q", line)
	}
	keep = proto == "HTTP/1.1"
	length := 0
	for {
		line, err := readLine(r)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, false, err
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, false, fmt.Errorf("bad header line %q", line)
		}
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Content-Length"):
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > maxBody {
				return nil, false, fmt.Errorf("bad Content-Length %q", value)
			}
			length = n
		case strings.EqualFold(name, "Transfer-Encoding") && !strings.EqualFold(value, "identity"):
			return nil, false, fmt.Errorf("transfer encoding %q: send a Content-Length", value)
		case strings.EqualFold(name, "Connection"):
			switch {
			case strings.EqualFold(value, "close"):
				keep = false
			case strings.EqualFold(value, "keep-alive"):
				keep = true
			}
		}
	}
	req = &Request{Method: method, Target: target}
	if length > 0 {
		req.Body = make([]byte, length)
		if _, err := io.ReadFull(r, req.Body); err != nil {
			return nil, false, fmt.Errorf("body: %w", err)
		}
	}
	return req, keep, nil
}

// readLine reads a line ending in CRLF (or LF), without its end.
func readLine(r *bufio.Reader) (string, error) {
	b, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(b) > maxLine {
		return "", errors.New("line too long")
	}
	if err != nil {
		if len(b) == 0 {
			return "", err
		}
		return "", io.ErrUnexpectedEOF
	}
	return string(bytes.TrimRight(b, "\r\n")), nil
}

// appendResponse writes resp as HTTP/1.1 after b.
func appendResponse(b []byte, resp Response, keep bool) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(resp.Status), 10)
	b = append(b, ' ')
	b = append(b, statusText(resp.Status)...)
	b = append(b, "\r\n"...)
	if resp.ContentType != "" {
		b = append(b, "Content-Type: "...)
		b = append(b, resp.ContentType...)
		b = append(b, "\r\n"...)
	}
	if resp.Status != 204 && resp.Status != 304 {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(resp.Body)), 10)
		b = append(b, "\r\n"...)
	}
	if !keep {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "\r\n"...)
	if resp.Status != 204 && resp.Status != 304 {
		b = append(b, resp.Body...)
	}
	return b
}

func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 204:
		return "No Content"
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	}
	return "Status"
}
