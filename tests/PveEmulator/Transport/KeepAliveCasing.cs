using System.IO.Pipelines;

namespace PveEmulator.Transport;

/// <summary>
/// pveproxy writes `Connection: Keep-Alive`; Kestrel replaces a keep-alive Connection header by
/// its own lower-case `keep-alive` whenever the connection stays open. Case does not matter to
/// HTTP, but the emulator answers byte-for-byte like PVE, so this writer (placed inside TLS)
/// restores the casing in the response head as it is written. The pattern has the same length,
/// so nothing else moves.
/// </summary>
internal sealed class KeepAliveCasingWriter(PipeWriter inner) : PipeWriter
{
    private Memory<byte> _current;

    private static ReadOnlySpan<byte> Lower => "\r\nConnection: keep-alive\r\n"u8;

    private static ReadOnlySpan<byte> Proper => "\r\nConnection: Keep-Alive\r\n"u8;

    public override void Advance(int bytes)
    {
        Span<byte> written = _current.Span[..bytes];
        int at;
        while ((at = written.IndexOf(Lower)) >= 0)
        {
            Proper.CopyTo(written[at..]);
            written = written[(at + Lower.Length)..];
        }
        inner.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _current = inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    /// <summary>The connection's transport with the rewriting writer on the output side.</summary>
    public sealed class Duplex(IDuplexPipe transport) : IDuplexPipe
    {
        public PipeReader Input { get; } = transport.Input;

        public PipeWriter Output { get; } = new KeepAliveCasingWriter(transport.Output);
    }
}
