# Drives `tsbuild run -t` on a real pseudo-terminal (Node has no pty API): sets a window size, waits for
# the container to print "ready", resizes the terminal, and copies everything the container printed to stdout.
import fcntl, os, pty, select, struct, sys, termios, time

def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))

pid, master = pty.fork()
if pid == 0:
    set_size(0, 20, 60)
    os.execvp(sys.argv[1], sys.argv[1:])

output = b''
resized = False
deadline = time.time() + 20
while time.time() < deadline:
    ready, _, _ = select.select([master], [], [], 0.1)
    if ready:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    if not resized and b'ready' in output:
        set_size(master, 30, 100)
        resized = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(output.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(status))
