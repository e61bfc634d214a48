// Free loopback ports for the servers `compare` starts.
#pragma once

namespace bench {

// Prints a TCP port P on 127.0.0.1 such that P, P+1 and P+2 are free now
// (desaster listens on three consecutive ports); 0 on success.
int print_free_port();

// Waits until 127.0.0.1:port accepts a connection, at most `seconds`; 0 once
// it does, 1 at the bound. How `compare` knows a server it started is up.
int wait_for_port(int port, double seconds);

}  // namespace bench
