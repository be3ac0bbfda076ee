// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Threading;

namespace PveTokens.Api;

/// <summary>
/// One HTTP call as it may be shown to the user: method, API path, parameter names, status and
/// time. Never a header, a parameter value or a body, so never a secret.
/// </summary>
internal sealed class HttpCallRecord
{
    internal HttpCallRecord(string server, string method, string path, IReadOnlyList<string> parameterNames, int? statusCode, string? reasonPhrase, TimeSpan elapsed, string? failure)
    {
        Server = server;
        Method = method;
        Path = path;
        ParameterNames = parameterNames;
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Elapsed = elapsed;
        Failure = failure;
    }

    /// <summary>host:port of the server called.</summary>
    internal string Server { get; }

    internal string Method { get; }

    /// <summary>The API path below /api2/json, without query.</summary>
    internal string Path { get; }

    internal IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Null when no response arrived.</summary>
    internal int? StatusCode { get; }

    internal string? ReasonPhrase { get; }

    internal TimeSpan Elapsed { get; }

    /// <summary>The transport failure kind when no response arrived.</summary>
    internal string? Failure { get; }

    public override string ToString()
    {
        string parameters = ParameterNames.Count == 0 ? string.Empty : " (" + string.Join(", ", ParameterNames) + ")";
        string outcome = StatusCode is int status ? $"{status} {ReasonPhrase}".TrimEnd() : "failed: " + Failure;
        return $"{Method} {Path}{parameters} -> {outcome}, {(long)Elapsed.TotalMilliseconds} ms";
    }
}

/// <summary>
/// An ambient observer of HTTP calls: whoever awaits client calls inside <see cref="Begin"/> gets a
/// record per call, on whatever thread the call completes (the cmdlet base queues them and writes
/// them on the pipeline thread). Flows with the async context, so concurrent callers don't mix.
/// </summary>
internal static class HttpCallObserver
{
    private static readonly AsyncLocal<Action<HttpCallRecord>?> Current = new AsyncLocal<Action<HttpCallRecord>?>();

    internal static IDisposable Begin(Action<HttpCallRecord> observer)
    {
        Action<HttpCallRecord>? previous = Current.Value;
        Current.Value = observer;
        return new Scope(previous);
    }

    internal static void Notify(HttpCallRecord record) => Current.Value?.Invoke(record);

    private sealed class Scope : IDisposable
    {
        private readonly Action<HttpCallRecord>? _previous;

        internal Scope(Action<HttpCallRecord>? previous) => _previous = previous;

        public void Dispose() => Current.Value = _previous;
    }
}
