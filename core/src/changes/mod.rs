//! Change notifications: observers of query results and of single objects, and their change sets.
