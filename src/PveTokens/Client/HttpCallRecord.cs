// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Threading;
using PveTokens.Access;

namespace PveTokens.Client;

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
    private static readonly AsyncLocal<Observer?> Current = new AsyncLocal<Observer?>();

    internal static IDisposable Begin(Action<HttpCallRecord> observer) => Begin(observer, null);

    /// <summary>Observes call records and the client's notices (retries, writes verified after a lost answer).</summary>
    internal static IDisposable Begin(Action<HttpCallRecord> calls, Action<ClientNotice>? notices)
    {
        Observer? previous = Current.Value;
        Current.Value = new Observer(calls, notices);
        return new Scope(previous);
    }

    internal static void Notify(HttpCallRecord record) => Current.Value?.Calls(record);

    internal static void Notify(ClientNotice notice) => Current.Value?.Notices?.Invoke(notice);

    private sealed class Observer
    {
        internal Observer(Action<HttpCallRecord> calls, Action<ClientNotice>? notices)
        {
            Calls = calls;
            Notices = notices;
        }

        internal Action<HttpCallRecord> Calls { get; }

        internal Action<ClientNotice>? Notices { get; }
    }

    private sealed class Scope : IDisposable
    {
        private readonly Observer? _previous;

        internal Scope(Observer? previous) => _previous = previous;

        public void Dispose() => Current.Value = _previous;
    }
}

/// <summary>How loudly a <see cref="ClientNotice"/> is shown: a verbose line or a warning.</summary>
internal enum ClientNoticeLevel
{
    Verbose,
    Warning,
}

/// <summary>
/// Something the client did on its own that the user should be able to see: a retry (verbose), or a
/// write whose answer was lost and that reading back showed applied (warning). Never holds a secret:
/// methods, API paths, status lines and transport error texts only.
/// </summary>
internal sealed class ClientNotice
{
    internal ClientNotice(ClientNoticeLevel level, string text)
    {
        Level = level;
        Text = text;
    }

    internal ClientNoticeLevel Level { get; }

    internal string Text { get; }

    public override string ToString() => Text;
}
