namespace PveEmulator;

/// <summary>
/// One served request. Never holds a credential: parameter names only (no values), and the
/// authenticated id (e.g. "joe@pve!ci"), which is null when authentication failed.
/// </summary>
public sealed record RequestLogEntry(DateTimeOffset Time, string Method, string Path, IReadOnlyList<string> ParameterNames,
                                     string AuthKind, string? AuthId, int Status, long ConnectionId);

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
