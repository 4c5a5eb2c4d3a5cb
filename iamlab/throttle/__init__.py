"""Rate limits shared by every app process: counters in the database, one row per user, scope and
window, so any number of processes behind a load balancer see the same counts."""
