package cli

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"strconv"

	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// serveSecurity holds serve's flags for HTTPS and the rate limits.
type serveSecurity struct {
	cert, key                         string
	signInPerIP, signInPerUser, apiPM int
}

// addServeSecurityFlags adds --tls-cert, --tls-key and the rate limits to
// serve's flags (environment YANGGUANG_TLS_CERT, YANGGUANG_TLS_KEY,
// YANGGUANG_RATE_SIGNIN_IP, YANGGUANG_RATE_SIGNIN_USER, YANGGUANG_RATE_API).
func addServeSecurityFlags(fs *flag.FlagSet) *serveSecurity {
	s := &serveSecurity{}
	fs.StringVar(&s.cert, "tls-cert", getenv("YANGGUANG_TLS_CERT", ""), "HTTPS 证书文件（PEM，含中间证书）；与 --tls-key 一起给出即启用 HTTPS (env YANGGUANG_TLS_CERT)")
	fs.StringVar(&s.key, "tls-key", getenv("YANGGUANG_TLS_KEY", ""), "HTTPS 私钥文件（PEM）(env YANGGUANG_TLS_KEY)")
	d := web.DefaultRateLimits
	fs.IntVar(&s.signInPerIP, "rate-signin-ip", envInt("YANGGUANG_RATE_SIGNIN_IP", d.SignInPerIP), "每个 IP 每分钟允许的登录失败次数，0 为不限 (env YANGGUANG_RATE_SIGNIN_IP)")
	fs.IntVar(&s.signInPerUser, "rate-signin-user", envInt("YANGGUANG_RATE_SIGNIN_USER", d.SignInPerUser), "每个用户名每分钟允许的登录失败次数，0 为不限 (env YANGGUANG_RATE_SIGNIN_USER)")
	fs.IntVar(&s.apiPM, "rate-api", envInt("YANGGUANG_RATE_API", d.APIPerToken), "每个 API 令牌每分钟允许的请求数，0 为不限 (env YANGGUANG_RATE_API)")
	return s
}

func envInt(k string, def int) int {
	if n, err := strconv.Atoi(getenv(k, "")); err == nil {
		return n
	}
	return def
}

// apply checks the flags and sets the rate limits; call it before app.New.
func (s *serveSecurity) apply() error {
	if (s.cert == "") != (s.key == "") {
		return errors.New("--tls-cert 和 --tls-key 必须同时给出")
	}
	if s.signInPerIP < 0 || s.signInPerUser < 0 || s.apiPM < 0 {
		return errors.New("限流次数不能为负数")
	}
	web.Limits = web.RateLimits{SignInPerIP: s.signInPerIP, SignInPerUser: s.signInPerUser, APIPerToken: s.apiPM}
	return nil
}

// scheme is "https" when a certificate is given.
func (s *serveSecurity) scheme() string {
	if s.cert != "" {
		return "https"
	}
	return "http"
}

// listener wraps ln in TLS when a certificate is given: TLS 1.2 at least,
// Go's default (forward-secret, AEAD) cipher suites.
func (s *serveSecurity) listener(ln net.Listener) (net.Listener, error) {
	if s.cert == "" {
		return ln, nil
	}
	pair, err := tls.LoadX509KeyPair(s.cert, s.key)
	if err != nil {
		return nil, fmt.Errorf("读取 HTTPS 证书失败（--tls-cert %s --tls-key %s）: %w", s.cert, s.key, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}
	return tls.NewListener(ln, cfg), nil
}
