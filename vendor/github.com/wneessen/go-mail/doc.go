// SPDX-FileCopyrightText: The go-mail Authors
//
// SPDX-License-Identifier: MIT

// Package mail provides an easy to use interface for formating and sending mails. go-mail follows idiomatic Go style
// and best practice. It has a small dependency footprint by mainly relying on the Go Standard Library and the Go
// extended packages. It combines a lot of functionality from the standard library to give easy and convenient access
// to mail and SMTP related tasks. It works like a programmatic email client and provides lots of methods and
// functionalities you would consider standard in a MUA.
package mail

// VERSION indicates the current version of the package. It is also attached to the default user
// agent string.
const VERSION = "0.8.1"
