// Behaviour shared by the in-process backends and the child-process backend.
//
//   text "whoami"              -> replies "iam:<name>" (tells the test which backend served it)
//   text "close:<code>:<text>" -> the backend closes the session with that code and reason
//   anything else              -> echoed back unchanged, with the same text/binary type
export function attachEcho(ws, name, onMessage = () => {}) {
  ws.on('message', (data, isBinary) => {
    onMessage(data, isBinary);
    if (!isBinary) {
      const text = data.toString('utf8');
      if (text === 'whoami') {
        ws.send(`iam:${name}`);
        return;
      }
      const m = /^close:(\d+):(.*)$/s.exec(text);
      if (m) {
        ws.close(Number(m[1]), m[2]);
        return;
      }
    }
    ws.send(data, { binary: isBinary });
  });
}
