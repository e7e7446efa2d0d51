// The lists command family: declared in the command table when implemented.
