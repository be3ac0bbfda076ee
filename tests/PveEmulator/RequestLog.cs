namespace PveEmulator;

/// <summary>
/// One served request. Never holds a credential: parameter names only (no values), and the
/// authenticated id (e.g. "joe@pve!ci"), which is null when authentication failed.
/// <see cref="Fault"/> names the injected faults (e.g. "status-503", "latency,drop-after"), null when none;
/// <see cref="Status"/> is the status sent; after a drop-after fault the one the handler produced (never sent);
/// 0 after a drop-before fault.
/// </summary>
public sealed record RequestLogEntry(DateTimeOffset Time, string Method, string Path, IReadOnlyList<string> ParameterNames,
                                     string AuthKind, string? AuthId, int Status, long ConnectionId, string? Fault = null);

/// <summary>Thread-safe append-only log behind <see cref="EmulatorHost.RequestLog"/>.</summary>
internal sealed class RequestLog
{
    private readonly List<RequestLogEntry> _entries = [];

    public void Add(RequestLogEntry entry)
    {
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }

    public IReadOnlyList<RequestLogEntry> Snapshot()
    {
        lock (_entries)
        {
            return _entries.ToArray();
        }
    }

    public void Clear()
    {
        lock (_entries)
        {
            _entries.Clear();
        }
    }
}
