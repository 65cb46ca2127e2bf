package version

const Version = "1.44.0"
