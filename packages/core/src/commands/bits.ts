// The bits command family: declared in the command table when implemented.
