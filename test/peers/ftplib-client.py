"""CPython's ftplib over explicit TLS (FTP_TLS + prot_p) as a real client for the tests.

Usage: ftplib-client.py HOST PORT OPTIONS_JSON STEP...

OPTIONS_JSON: {"tls": "1.3" | "1.2" | "any", "passive": bool, "reuse": bool, "user": str, "password": str}
(user absent: anonymous)
STEP: nlst:PATH, list:PATH, retr:PATH, stor:PATH:SIZE (SIZE bytes of a known pattern), pwd

Prints one JSON object: {"python": ..., "results": [[step, "ok", value] | [step, "error", repr]]}.
Every step runs even after a failure, as a user's script would go on: a failure that leaves the
control channel out of step (ftplib reading the previous 226 as the next reply) shows in the steps
after it.

The context treats a TCP FIN without TLS close_notify as an error, as CPython 3.10-3.13 built
against OpenSSL 3 do by default. Some builds set OP_IGNORE_UNEXPECTED_EOF by default and hide a
missing close_notify (Debian's 3.11.2, pyenv's 3.8 and 3.9): cleared here, so the server's data
connections are checked the strict way whatever python3 runs this.
"""
import ftplib
import hashlib
import io
import json
import ssl
import sys


def pattern(size):
    return bytes((i * 7 + 3) % 251 for i in range(size))


class ReusingFTP_TLS(ftplib.FTP_TLS):
    """Data connections resume the control connection's TLS session (as servers that require it
    expect; ftplib itself does not)."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


def main():
    host, port, options = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if hasattr(ssl, "OP_IGNORE_UNEXPECTED_EOF"):
        context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    version = options.get("tls", "any")
    if version == "1.3":
        context.minimum_version = ssl.TLSVersion.TLSv1_3
    elif version == "1.2":
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    client_class = ReusingFTP_TLS if options.get("reuse") else ftplib.FTP_TLS
    ftp = client_class(context=context, timeout=20)
    ftp.connect(host, port)
    ftp.login(options.get("user", "anonymous"), options.get("password", "anonymous@"))
    ftp.prot_p()
    ftp.set_pasv(options.get("passive", True))
    results = []
    for step in sys.argv[4:]:
        kind, _, argument = step.partition(":")
        try:
            if kind == "nlst":
                value = sorted(ftp.nlst(argument))
            elif kind == "list":
                lines = []
                ftp.retrlines("LIST " + argument, lines.append)
                value = lines
            elif kind == "retr":
                chunks = []
                ftp.retrbinary("RETR " + argument, chunks.append)
                data = b"".join(chunks)
                value = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            elif kind == "stor":
                path, _, size = argument.rpartition(":")
                data = pattern(int(size))
                reply = ftp.storbinary("STOR " + path, io.BytesIO(data))
                value = {"reply": reply, "sha256": hashlib.sha256(data).hexdigest()}
            elif kind == "pwd":
                value = ftp.pwd()
            else:
                raise ValueError("unknown step " + step)
            results.append([step, "ok", value])
        except Exception as error:  # the test reports every failure, of any kind
            results.append([step, "error", repr(error)])
    try:
        ftp.quit()
    except Exception as error:
        results.append(["quit", "error", repr(error)])
    print(json.dumps({"python": sys.version.split()[0], "openssl": ssl.OPENSSL_VERSION, "results": results}))


main()
