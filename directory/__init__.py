"""Sign-in with the municipality's own directory: OpenID Connect and LDAP / Active Directory.
People's accounts here follow the directory: their role comes from their groups, and they lose
access when the directory drops them."""
