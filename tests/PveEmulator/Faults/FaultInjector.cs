namespace PveEmulator.Faults;

/// <summary>How a malformed-body fault spoils a response.</summary>
public enum MalformedBody
{
    /// <summary>The first half of the JSON body (Content-Length matches, so HTTP is fine and JSON is not).</summary>
    Truncated,

    /// <summary>A body that is not JSON at all (an HTML error page), still labelled application/json.</summary>
    NotJson,
}

/// <summary>
/// Fault injection for reliability tests, live on a running host (<see cref="EmulatorHost.Faults"/>).
/// Everything is off by default; faults only ever apply to requests under <c>/api2/json/</c>.
/// Thread-safe: settable between (or during) requests from a test.
/// <para>
/// Per request, in this order: a queued one-shot fault (<see cref="FailNext"/>, <see cref="DropNextBeforeRequest"/>, …;
/// consumed first-queued-first, one per matching request); otherwise, when a rate is set, one seeded
/// draw chooses at most one of drop-before, 5xx, drop-after, malformed (rates are stacked in that
/// order; if they add up to more than 1 the later ones get what is left). <see cref="LatencyMs"/> and
/// <see cref="SlowBodyMs"/> come on top for every (method-matching) request.
/// </para>
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _sync = new();
    private readonly List<Pending> _pending = [];
    private Random _random;
    private int _seed;
    private int _latencyMs;
    private double _serverErrorRate;
    private double _dropBeforeRate;
    private double _dropAfterRate;
    private double _malformedRate;
    private int _slowBodyMs;
    private string? _method;

    internal FaultInjector(EmulatorOptions options)
    {
        _seed = options.FaultSeed ?? Random.Shared.Next();
        _random = new Random(_seed);
        LatencyMs = options.FaultLatencyMs;
        ServerErrorRate = options.FaultServerErrorRate;
        DropBeforeRate = options.FaultDropBeforeRate;
        DropAfterRate = options.FaultDropAfterRate;
        MalformedRate = options.FaultMalformedRate;
        SlowBodyMs = options.FaultSlowBodyMs;
        Method = options.FaultMethod;
    }

    /// <summary>Seed of the random draws (from <see cref="EmulatorOptions.FaultSeed"/>, or chosen at start-up: log it to repeat a run).</summary>
    public int Seed
    {
        get { lock (_sync) { return _seed; } }
    }

    /// <summary>Delay before every response (and before a drop-after abort), in ms.</summary>
    public int LatencyMs
    {
        get { lock (_sync) { return _latencyMs; } }
        set { lock (_sync) { _latencyMs = NonNegative(value); } }
    }

    /// <summary>Share of requests answered 502 or 503 (chosen per request) without running the handler.</summary>
    public double ServerErrorRate
    {
        get { lock (_sync) { return _serverErrorRate; } }
        set { lock (_sync) { _serverErrorRate = Rate(value); } }
    }

    /// <summary>Share of requests whose connection is reset before the request body is read or anything runs.</summary>
    public double DropBeforeRate
    {
        get { lock (_sync) { return _dropBeforeRate; } }
        set { lock (_sync) { _dropBeforeRate = Rate(value); } }
    }

    /// <summary>Share of requests that run (state changes happen) and then have their connection reset before any response byte.</summary>
    public double DropAfterRate
    {
        get { lock (_sync) { return _dropAfterRate; } }
        set { lock (_sync) { _dropAfterRate = Rate(value); } }
    }

    /// <summary>Share of requests that run and are answered 200 with a truncated or non-JSON body (chosen per request).</summary>
    public double MalformedRate
    {
        get { lock (_sync) { return _malformedRate; } }
        set { lock (_sync) { _malformedRate = Rate(value); } }
    }

    /// <summary>Stall after the headers and the first half of every non-empty body, in ms.</summary>
    public int SlowBodyMs
    {
        get { lock (_sync) { return _slowBodyMs; } }
        set { lock (_sync) { _slowBodyMs = NonNegative(value); } }
    }

    /// <summary>When set (e.g. "GET"), the rates, latency and slow bodies apply only to requests with this method.</summary>
    public string? Method
    {
        get { lock (_sync) { return _method; } }
        set { lock (_sync) { _method = string.IsNullOrEmpty(value) ? null : value.ToUpperInvariant(); } }
    }

    /// <summary>One-shot faults queued and not yet used.</summary>
    public int PendingCount
    {
        get { lock (_sync) { return _pending.Sum(p => p.Remaining); } }
    }

    /// <summary>Answer the next <paramref name="count"/> requests (with <paramref name="method"/>, when given) with <paramref name="status"/> (500–599) without running the handler.</summary>
    public void FailNext(int count, int status = 503, string? method = null)
    {
        if (status is < 500 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "a server error status (500-599)");
        }
        Enqueue(new Pending(FaultKind.ServerError, count, method) { Status = status });
    }

    /// <summary>Reset the connection of the next <paramref name="count"/> requests before anything is read or run.</summary>
    public void DropNextBeforeRequest(int count, string? method = null) => Enqueue(new Pending(FaultKind.DropBefore, count, method));

    /// <summary>Run the next <paramref name="count"/> requests, then reset the connection before any response byte (outcome unknown to the client).</summary>
    public void DropNextAfterHandling(int count, string? method = null) => Enqueue(new Pending(FaultKind.DropAfter, count, method));

    /// <summary>Run the next <paramref name="count"/> requests and answer 200 with a spoilt body.</summary>
    public void MalformNext(int count, MalformedBody kind = MalformedBody.Truncated, string? method = null) =>
        Enqueue(new Pending(FaultKind.Malformed, count, method) { Malformed = kind });

    /// <summary>Run the next <paramref name="count"/> requests and stall their bodies for <paramref name="milliseconds"/> after the headers and the first half.</summary>
    public void SlowNext(int count, int milliseconds, string? method = null) =>
        Enqueue(new Pending(FaultKind.None, count, method) { SlowBodyMs = NonNegative(milliseconds) });

    /// <summary>Restart the random draws from <paramref name="seed"/>.</summary>
    public void Reseed(int seed)
    {
        lock (_sync)
        {
            _seed = seed;
            _random = new Random(seed);
        }
    }

    /// <summary>Everything off: rates, latency, slow bodies, method filter and queued faults (the seed stays; the draws restart from it).</summary>
    public void Reset()
    {
        lock (_sync)
        {
            _pending.Clear();
            _latencyMs = 0;
            _serverErrorRate = _dropBeforeRate = _dropAfterRate = _malformedRate = 0;
            _slowBodyMs = 0;
            _method = null;
            _random = new Random(_seed);
        }
    }

    /// <summary>What to do to one request; <see cref="FaultPlan.None"/> when faults are off or do not apply.</summary>
    internal FaultPlan Plan(string method, string path)
    {
        if (!path.StartsWith("/api2/json/", StringComparison.Ordinal))
        {
            return FaultPlan.None;
        }
        lock (_sync)
        {
            if (_pending.Count == 0 && _latencyMs == 0 && _slowBodyMs == 0 && _serverErrorRate == 0 && _dropBeforeRate == 0 &&
                _dropAfterRate == 0 && _malformedRate == 0)
            {
                return FaultPlan.None;
            }

            bool rated = _method is null || string.Equals(_method, method, StringComparison.OrdinalIgnoreCase);
            int latency = rated ? _latencyMs : 0;
            int slow = rated ? _slowBodyMs : 0;

            Pending? queued = _pending.FirstOrDefault(p => p.Method is null || string.Equals(p.Method, method, StringComparison.OrdinalIgnoreCase));
            if (queued is not null)
            {
                if (--queued.Remaining == 0)
                {
                    _pending.Remove(queued);
                }
                return new FaultPlan(queued.Kind, queued.Status, queued.Malformed, latency, queued.SlowBodyMs ?? slow);
            }

            if (rated && _dropBeforeRate + _serverErrorRate + _dropAfterRate + _malformedRate > 0)
            {
                double r = _random.NextDouble();
                if ((r -= _dropBeforeRate) < 0)
                {
                    return new FaultPlan(FaultKind.DropBefore, 0, default, latency, slow);
                }
                if ((r -= _serverErrorRate) < 0)
                {
                    return new FaultPlan(FaultKind.ServerError, _random.Next(2) == 0 ? 502 : 503, default, latency, slow);
                }
                if ((r -= _dropAfterRate) < 0)
                {
                    return new FaultPlan(FaultKind.DropAfter, 0, default, latency, slow);
                }
                if (r - _malformedRate < 0)
                {
                    return new FaultPlan(FaultKind.Malformed, 0, _random.Next(2) == 0 ? MalformedBody.Truncated : MalformedBody.NotJson, latency, slow);
                }
            }
            return latency == 0 && slow == 0 ? FaultPlan.None : new FaultPlan(FaultKind.None, 0, default, latency, slow);
        }
    }

    private void Enqueue(Pending pending)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pending.Remaining, "count");
        lock (_sync)
        {
            _pending.Add(pending);
        }
    }

    private static double Rate(double value) =>
        value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a rate between 0 and 1");

    private static int NonNegative(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return value;
    }

    private sealed class Pending(FaultKind kind, int count, string? method)
    {
        public FaultKind Kind { get; } = kind;

        public int Remaining { get; set; } = count;

        public string? Method { get; } = string.IsNullOrEmpty(method) ? null : method.ToUpperInvariant();

        public int Status { get; init; }

        public MalformedBody Malformed { get; init; }

        public int? SlowBodyMs { get; init; }
    }
}

internal enum FaultKind
{
    None,
    DropBefore,
    ServerError,
    DropAfter,
    Malformed,
}

/// <summary>The faults chosen for one request.</summary>
internal sealed record FaultPlan(FaultKind Kind, int Status, MalformedBody Malformed, int LatencyMs, int SlowBodyMs)
{
    public static readonly FaultPlan None = new(FaultKind.None, 0, default, 0, 0);

    /// <summary>The request-log marker, e.g. "latency,drop-after"; null when nothing was done.</summary>
    public string? Marker(bool slowBodyApplied)
    {
        var parts = new List<string>(3);
        if (LatencyMs > 0 && Kind != FaultKind.DropBefore)
        {
            parts.Add("latency");
        }
        switch (Kind)
        {
            case FaultKind.DropBefore: parts.Add("drop-before"); break;
            case FaultKind.ServerError: parts.Add("status-" + Status.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
            case FaultKind.DropAfter: parts.Add("drop-after"); break;
            case FaultKind.Malformed: parts.Add(Malformed == MalformedBody.Truncated ? "truncated" : "not-json"); break;
        }
        if (slowBodyApplied)
        {
            parts.Add("slow-body");
        }
        return parts.Count == 0 ? null : string.Join(',', parts);
    }
}
