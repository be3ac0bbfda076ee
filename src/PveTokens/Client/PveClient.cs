// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using PveTokens.Access;
using PveTokens.Models;

namespace PveTokens.Client;

/// <summary>
/// The PVE API client of one session: one pooled HttpClient (keep-alive; a connection the server
/// closes is replaced transparently), authentication by API token or ticket, the JSON envelope and
/// errors. This file is the core; endpoint groups live in further partial files
/// (<c>PveClient.Version.cs</c>, <c>PveClient.Tokens.cs</c>, …) and call
/// <see cref="GetAsync{T}"/>/<see cref="PostAsync{T}"/>/<see cref="PutAsync{T}"/>/<see cref="DeleteAsync{T}"/>,
/// or <see cref="SendAsync{T}"/> with their own reader to stream a large <c>data</c> array.
/// </summary>
internal sealed partial class PveClient : IDisposable
{
    private const int MaxErrorBodyChars = 64 * 1024;

    private readonly PveClientOptions _options;
    private readonly HttpClient _http;
    private readonly string _apiBase;
    private const string PresentedCertificateKey = "PveTokens.PresentedCertificateSha256";
    private const string CertificateRejectionKey = "PveTokens.CertificateRejection";

    /// <summary>
    /// Connections the client may hold open to its server at once (the parallel token and ACL calls
    /// of a large listing); .NET Framework's default is 2 per host.
    /// </summary>
    internal const int MaxConnectionsPerServer = 16;

    private volatile ApiToken? _token;
    private volatile string? _presentedCertificateSha256;

    // Held so the framework keeps this server's ServicePoint, with the settings made below, for the client's life.
    private readonly ServicePoint _servicePoint;

    internal PveClient(PveClientOptions options)
        : this(options, null)
    {
    }

    /// <summary>Tests pass their own handler; then no TLS policy applies.</summary>
    internal PveClient(PveClientOptions options, HttpMessageHandler? handler)
    {
        if (options.CertificatePolicy == PveCertificatePolicy.Pinned && options.PinnedCertificateSha256 is null)
        {
            throw new ArgumentException("A pinned certificate policy needs the SHA-256 to pin.", nameof(options));
        }

        _options = options;
        _apiBase = options.Server.AbsoluteUri.TrimEnd('/') + "/api2/json";
        _http = new HttpClient(handler ?? CreateHandler(), disposeHandler: true)
        {
            // Timeouts are per call (CreateTimeout) so they can be told apart from the caller cancelling.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        _servicePoint = ConfigureServicePoint(options.Server);
    }

    /// <summary>The server's base URI, <c>https://host:port/</c>.</summary>
    internal Uri Server => _options.Server;

    internal PveCertificatePolicy CertificatePolicy => _options.CertificatePolicy;

    /// <summary>The server's ServicePoint as <see cref="ConfigureServicePoint"/> set it (only .NET Framework reads it).</summary>
    internal ServicePoint ServicePoint => _servicePoint;

    internal PveRetryPolicy RetryPolicy => _options.Retry;

    internal string? PinnedCertificateSha256 => _options.PinnedCertificateSha256;

    /// <summary>SHA-256 of the certificate the server presented in the last TLS handshake.</summary>
    internal string? PresentedCertificateSha256 => _presentedCertificateSha256;

    internal PveAuthMethod? AuthMethod => _token is not null ? PveAuthMethod.ApiToken : _ticket is not null ? PveAuthMethod.Ticket : null;

    /// <summary>The full token id or the logged-in user id; null before authentication.</summary>
    internal string? Identity => _token?.FullTokenId ?? _ticket?.UserId;

    /// <summary>Authenticates every further call with <paramref name="token"/> (the client owns it from now on).</summary>
    internal void UseApiToken(ApiToken token)
    {
        _token?.Dispose();
        _token = token;
        ClearTicket();
    }

    internal Task<T?> GetAsync<T>(string path, PveParameters? query, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, query, ReadDataAsync<T>, cancellationToken);

    internal Task<T?> PostAsync<T>(string path, PveParameters? form, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, form, ReadDataAsync<T>, cancellationToken);

    internal Task<T?> PutAsync<T>(string path, PveParameters? form, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, path, form, ReadDataAsync<T>, cancellationToken);

    internal Task<T?> DeleteAsync<T>(string path, PveParameters? query, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, query, ReadDataAsync<T>, cancellationToken);

    /// <summary>
    /// Sends one call and hands the successful response body to <paramref name="readBody"/> as a
    /// stream (use <see cref="ReadDataAsync{T}"/> for the usual <c>{"data": …}</c> envelope, or walk
    /// it with a <see cref="Utf8JsonReader"/> to stream a huge array). Errors become
    /// <see cref="PveApiException"/>, transport failures <see cref="PveConnectionException"/>.
    /// </summary>
    /// <param name="path">The API path below /api2/json, segments escaped with <see cref="Segment"/>, e.g. <c>/access/users/root%40pam/token</c>.</param>
    internal Task<T> SendAsync<T>(HttpMethod method, string path, PveParameters? parameters,
        Func<Stream, CancellationToken, Task<T>> readBody, CancellationToken cancellationToken) =>
        SendCoreAsync(method, path, parameters, readBody, authenticate: true, cancellationToken);

    /// <summary>
    /// After a write's answer was lost (<paramref name="unknown"/>), reads back with
    /// <paramref name="isApplied"/>: returns when the change is there (with a warning notice saying
    /// so), throws the NotApplied outcome when it is not, and the Unknown outcome (saying why) when
    /// reading back failed too.
    /// </summary>
    internal async Task VerifyWriteAsync(PveWriteOutcomeException unknown, Func<CancellationToken, Task<bool>> isApplied,
        CancellationToken cancellationToken)
    {
        bool applied;
        try
        {
            applied = await isApplied(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PveApiException || e is PveConnectionException || e is JsonException)
        {
            throw unknown.With(PveWriteOutcome.Unknown, "reading it back failed too: " + e.Message);
        }

        if (!applied)
        {
            throw unknown.With(PveWriteOutcome.NotApplied, null);
        }

        Notify(new ClientNotice(ClientNoticeLevel.Warning,
            $"The answer to {unknown.Method} {unknown.Path} did not arrive ({unknown.Cause.TrimEnd('.')}); reading back shows the change was applied."));
    }

    /// <summary>Escapes one path segment (a user id, a token name) for use in an API path.</summary>
    internal static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>Reads <c>{"data": T}</c> with the module's lenient JSON options, streaming from the body.</summary>
    internal static async Task<T?> ReadDataAsync<T>(Stream body, CancellationToken cancellationToken)
    {
        PveEnvelope<T>? envelope = await JsonSerializer.DeserializeAsync<PveEnvelope<T>>(body, PveJson.Options, cancellationToken)
            .ConfigureAwait(false);
        return envelope is null ? default : envelope.Data;
    }

    /// <summary>Reads the <c>data</c> member as a detached element, for shapes that vary (object, array, null).</summary>
    internal static async Task<JsonElement> ReadDataElementAsync(Stream body, CancellationToken cancellationToken)
    {
        using JsonDocument document = await JsonDocument.ParseAsync(body, default, cancellationToken).ConfigureAwait(false);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("data", out JsonElement data)
            ? data.Clone()
            : default;
    }

    public void Dispose()
    {
        _http.Dispose();
        _token?.Dispose();
        ClearTicket();
        _renewLock.Dispose();
    }

    /// <param name="renewTicket">False for the version read that follows a renewal: it must not renew
    /// again, or a renewal age shorter than a call would renew forever.</param>
    private async Task<T> SendCoreAsync<T>(HttpMethod method, string path, PveParameters? parameters,
        Func<Stream, CancellationToken, Task<T>> readBody, bool authenticate, CancellationToken cancellationToken, bool renewTicket = true)
    {
        // A login changes nothing on the server, so it may be repeated like a read.
        bool idempotent = PveRetryPolicy.IsIdempotent(method) || (!authenticate && path == TicketPath);
        PveRetryPolicy policy = _options.Retry;
        bool recoveredTicket = false;
        int retries = 0;
        while (true)
        {
            if (authenticate && renewTicket)
            {
                await RenewTicketIfOldAsync(cancellationToken).ConfigureAwait(false);
            }

            TicketState? ticketUsed = _ticket;
            using CancellationTokenSource timeout = CreateTimeout(cancellationToken);
            using HttpRequestMessage request = BuildRequest(method, path, parameters, authenticate ? ticketUsed : null, authenticate);
            var stopwatch = Stopwatch.StartNew();
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransportFailure(e, cancellationToken))
            {
                PveConnectionException failure = Classify(e, timeout.IsCancellationRequested, request);
                Record(method, path, parameters, null, null, stopwatch.Elapsed, failure.Kind.ToString());

                // A rejected certificate does not get better by asking again.
                if (failure.Kind != PveConnectionFailure.Tls)
                {
                    bool nothingSent = NothingSent(e, request);
                    if (idempotent || nothingSent)
                    {
                        string reason = nothingSent && !idempotent ? DescribeFailure(failure) + ", before the request was sent" : DescribeFailure(failure);
                        if (await WaitBeforeRetryAsync(policy, ++retries, method, path, reason, null, cancellationToken).ConfigureAwait(false))
                        {
                            continue;
                        }
                    }
                    else
                    {
                        throw new PveWriteOutcomeException(method.Method, Uri.UnescapeDataString(path), PveWriteOutcome.Unknown,
                            DescribeFailure(failure) + " after the request was sent", null, failure);
                    }
                }

                throw failure;
            }

            using (response)
            {
                int status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    Exception? unreadable;
                    try
                    {
                        using Stream body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                        return await readBody(body, timeout.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsTransportFailure(e, cancellationToken))
                    {
                        unreadable = Classify(e, timeout.IsCancellationRequested, request);
                    }
                    catch (JsonException e)
                    {
                        unreadable = e;
                    }
                    finally
                    {
                        Record(method, path, parameters, status, response.ReasonPhrase, stopwatch.Elapsed, null);
                    }

                    string cause = unreadable is PveConnectionException c
                        ? $"{status} {response.ReasonPhrase}, then {DescribeFailure(c)} while reading the answer"
                        : $"{status} {response.ReasonPhrase} with an answer that is not PVE's JSON";
                    if (!idempotent)
                    {
                        throw new PveWriteOutcomeException(method.Method, Uri.UnescapeDataString(path), PveWriteOutcome.Unknown, cause, null, unreadable);
                    }

                    if (await WaitBeforeRetryAsync(policy, ++retries, method, path, cause, null, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    throw unreadable;
                }

                Record(method, path, parameters, status, response.ReasonPhrase, stopwatch.Elapsed, null);

                // A ticket session renews (or logs in again) once and retries once; a token 401 is final.
                if (status == 401 && authenticate && ticketUsed is not null && !recoveredTicket)
                {
                    recoveredTicket = true;
                    await RenewUnlessReplacedAsync(ticketUsed, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                PveApiException error = await CreateApiExceptionAsync(method, path, parameters, response, timeout.Token).ConfigureAwait(false);
                if (PveRetryPolicy.IsRetryableStatus(status))
                {
                    string cause = $"{status} {response.ReasonPhrase}".TrimEnd();
                    if (!idempotent)
                    {
                        // A gateway answered in PVE's place: PVE may or may not have run the write.
                        throw new PveWriteOutcomeException(method.Method, Uri.UnescapeDataString(path), PveWriteOutcome.Unknown, cause, null, error);
                    }

                    TimeSpan? retryAfter = RetryAfter(response);
                    if (await WaitBeforeRetryAsync(policy, ++retries, method, path, cause, retryAfter, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }
                }

                throw error;
            }
        }
    }

    /// <summary>
    /// Waits before retry <paramref name="retry"/> when the policy allows one (false when retries are
    /// used up), telling the observer first. The wait ends early when the caller cancels (Ctrl+C).
    /// </summary>
    private async Task<bool> WaitBeforeRetryAsync(PveRetryPolicy policy, int retry, HttpMethod method, string path, string reason,
        TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        if (retry > policy.MaximumRetryCount)
        {
            return false;
        }

        TimeSpan delay = policy.DelayBefore(retry, retryAfter);
        Notify(new ClientNotice(ClientNoticeLevel.Verbose,
            $"{_options.Server.Authority} {method.Method} {Uri.UnescapeDataString(path)} failed ({reason.TrimEnd('.')}); retry {retry} of {policy.MaximumRetryCount} (attempt {retry + 1} of {policy.MaximumRetryCount + 1}) in {delay.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s."));
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return true;
    }

    private void Notify(ClientNotice notice)
    {
        _options.OnNotice?.Invoke(notice);
        HttpCallObserver.Notify(notice);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        if (header?.Delta is TimeSpan delta)
        {
            return delta;
        }

        return header?.Date is DateTimeOffset date ? date - DateTimeOffset.UtcNow : null;
    }

    private static string DescribeFailure(PveConnectionException failure) => failure.Kind switch
    {
        PveConnectionFailure.TimedOut => "timed out",
        PveConnectionFailure.Refused => "connection refused",
        PveConnectionFailure.NameResolution => "name not resolved",
        _ => "connection failed: " + Innermost(failure).Message.TrimEnd('.'),
    };

    /// <summary>
    /// Whether the failed request certainly never reached the server: its body was never written (a
    /// server cannot act on a request whose body it never got), or the connection itself could not be
    /// made (refused, unreachable, name not resolved).
    /// </summary>
    private static bool NothingSent(Exception e, HttpRequestMessage request)
    {
        if (request.Content is FormContent form && !form.Started)
        {
            return true;
        }

        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException se)
            {
                switch (se.SocketErrorCode)
                {
                    case SocketError.ConnectionRefused:
                    case SocketError.HostNotFound:
                    case SocketError.HostUnreachable:
                    case SocketError.NetworkUnreachable:
                    case SocketError.AddressNotAvailable:
                    case SocketError.TryAgain:
                    case SocketError.NoData:
                        return true;
                }
            }
        }

        return false;
    }

    private HttpRequestMessage BuildRequest(HttpMethod method, string path, PveParameters? parameters, TicketState? ticket, bool authenticate)
    {
        bool hasBody = method == HttpMethod.Post || method == HttpMethod.Put;
        string url = _apiBase + path;
        if (!hasBody && parameters is not null && parameters.Count > 0)
        {
            url += "?" + parameters.Encode();
        }

        var request = new HttpRequestMessage(method, new Uri(url, UriKind.Absolute));

        // PVE never answers "100 Continue": .NET Framework would hold every POST/PUT body back waiting for it.
        request.Headers.ExpectContinue = false;
        if (hasBody)
        {
            request.Content = new FormContent(parameters?.Encode() ?? string.Empty);
        }

        if (!authenticate)
        {
            return request;
        }

        if (_token is ApiToken token)
        {
            // The space form passes .NET's header validation; PVE accepts it like the '=' form (checked against the real PVE code; the emulator accepts both forms too).
            request.Headers.TryAddWithoutValidation("Authorization", "PVEAPIToken " + token.FullTokenId + "=" + SecretText.ToPlainText(token.Secret));
        }
        else if (ticket is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", "PVEAuthCookie=" + SecretText.ToPlainText(ticket.Ticket));
            if (method != HttpMethod.Get)
            {
                request.Headers.TryAddWithoutValidation("CSRFPreventionToken", SecretText.ToPlainText(ticket.CsrfToken));
            }
        }

        return request;
    }

    private CancellationTokenSource CreateTimeout(CancellationToken cancellationToken)
    {
        CancellationTokenSource source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_options.Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            source.CancelAfter(_options.Timeout);
        }

        return source;
    }

    private void Record(HttpMethod method, string path, PveParameters? parameters, int? status, string? reason, TimeSpan elapsed, string? failure)
    {
        var record = new HttpCallRecord(_options.Server.Authority, method.Method, Uri.UnescapeDataString(path),
            parameters?.Names ?? Array.Empty<string>(), status, reason, elapsed, failure);
        _options.OnCall?.Invoke(record);
        HttpCallObserver.Notify(record);
    }

    private static async Task<PveApiException> CreateApiExceptionAsync(HttpMethod method, string path, PveParameters? parameters,
        HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string reason = response.ReasonPhrase ?? string.Empty;
        string body = string.Empty;
        try
        {
            body = await ReadLimitedAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException || e is HttpRequestException || e is OperationCanceledException)
        {
            // The status line carries PVE's reason; a body cut short adds nothing we need.
        }

        string? message = null;
        Dictionary<string, string>? errors = null;
        if (body.TrimStart().StartsWith("{", StringComparison.Ordinal))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(body);
                JsonElement root = document.RootElement;
                if (PveJson.TryGetProperty(root, "message", out JsonElement m))
                {
                    message = PveJson.GetString(m);
                }

                if (PveJson.TryGetProperty(root, "errors", out JsonElement e) && e.ValueKind == JsonValueKind.Object)
                {
                    errors = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (JsonProperty p in e.EnumerateObject())
                    {
                        string value = (PveJson.GetString(p.Value) ?? p.Value.GetRawText()).Trim();
                        errors[p.Name] = parameters?.Redact(value) ?? value;
                    }
                }
            }
            catch (JsonException)
            {
                // Not PVE's JSON (a proxy's page, a 501 text): the reason phrase stands.
            }
        }
        else if (body.Length > 0 && (int)response.StatusCode == 501 && reason.Length == 0)
        {
            message = body;
        }

        string pveMessage = (message ?? reason).Trim();
        if (parameters is not null)
        {
            pveMessage = parameters.Redact(pveMessage);
            reason = parameters.Redact(reason);
        }

        return new PveApiException(method.Method, Uri.UnescapeDataString(path), (int)response.StatusCode, reason, pveMessage, errors);
    }

    private static async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        using Stream stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[4096];
        var sb = new StringBuilder();
        int read;
        while (sb.Length < MaxErrorBodyChars && (read = await reader.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sb.Append(buffer, 0, read);
        }

        return sb.ToString();
    }

    internal HttpClientHandler CreateHandler() => new HttpClientHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
        ServerCertificateCustomValidationCallback = ValidateCertificate,
        MaxConnectionsPerServer = MaxConnectionsPerServer,
    };

    /// <summary>
    /// On .NET Framework (Windows PowerShell 5.1) HttpClientHandler sends through the server's
    /// ServicePoint, whose defaults hurt against PVE: Expect: 100-continue (PVE never sends the
    /// interim answer, so each body waits 350 ms), Nagle's algorithm (small bodies wait for an ACK)
    /// and 2 connections per host. On .NET (PowerShell 7) nothing reads these settings.
    /// </summary>
    internal static ServicePoint ConfigureServicePoint(Uri server)
    {
        ServicePoint servicePoint = ServicePointManager.FindServicePoint(server);
        servicePoint.Expect100Continue = false;
        servicePoint.UseNagleAlgorithm = false;
        servicePoint.ConnectionLimit = Math.Max(servicePoint.ConnectionLimit, MaxConnectionsPerServer);
        return servicePoint;
    }

    private bool ValidateCertificate(HttpRequestMessage request, X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        string? presented = certificate is null ? null : CertificateThumbprint.Sha256Of(certificate);
        _presentedCertificateSha256 = presented;

        // Kept on the request that opened the connection, so concurrent calls never mix up whose handshake failed.
        request.Properties[PresentedCertificateKey] = presented;
        bool accept = _options.CertificatePolicy switch
        {
            PveCertificatePolicy.Skip => true,
            PveCertificatePolicy.Pinned => presented is not null &&
                string.Equals(presented, _options.PinnedCertificateSha256, StringComparison.OrdinalIgnoreCase),
            _ => errors == SslPolicyErrors.None,
        };
        if (!accept)
        {
            request.Properties[CertificateRejectionKey] = _options.CertificatePolicy == PveCertificatePolicy.Pinned
                ? "it does not match the pinned thumbprint"
                : "it is not trusted by this system (" + errors + ")";
        }

        return accept;
    }

    private static bool IsTransportFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException || e is IOException || e is WebException || e is SocketException || e is AuthenticationException ||
        (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private PveConnectionException Classify(Exception e, bool timedOut, HttpRequestMessage request)
    {
        string host = _options.Server.Host;
        int port = _options.Server.Port;
        string where = $"{host}:{port}";
        string? presented = request.Properties.TryGetValue(PresentedCertificateKey, out object? p) ? p as string : null;
        string? rejection = request.Properties.TryGetValue(CertificateRejectionKey, out object? r) ? r as string : null;
        string? pinned = _options.PinnedCertificateSha256;
        if (timedOut)
        {
            return new PveConnectionException(PveConnectionFailure.TimedOut, host, port,
                $"{where} did not answer within {_options.Timeout.TotalSeconds:0.###} seconds. Check the server name, the port and any firewall in between, or allow more time with -TimeoutSec.",
                inner: e);
        }

        bool tls = rejection is not null;
        PveConnectionFailure? kind = null;
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case AuthenticationException:
                    tls = true;
                    break;
                case SocketException se when se.SocketErrorCode == SocketError.ConnectionRefused:
                    kind ??= PveConnectionFailure.Refused;
                    break;
                case SocketException se when se.SocketErrorCode == SocketError.HostNotFound || se.SocketErrorCode == SocketError.NoData || se.SocketErrorCode == SocketError.TryAgain:
                    kind ??= PveConnectionFailure.NameResolution;
                    break;
                case SocketException se when se.SocketErrorCode == SocketError.TimedOut:
                    kind ??= PveConnectionFailure.TimedOut;
                    break;
                case WebException we when we.Status == WebExceptionStatus.TrustFailure || we.Status == WebExceptionStatus.SecureChannelFailure:
                    tls = true;
                    break;
                case WebException we when we.Status == WebExceptionStatus.NameResolutionFailure:
                    kind ??= PveConnectionFailure.NameResolution;
                    break;
                case WebException we when we.Status == WebExceptionStatus.ConnectFailure:
                    kind ??= PveConnectionFailure.Refused;
                    break;
            }
        }

        if (tls)
        {
            // The fingerprint travels as PresentedCertificateSha256: the error's advice quotes it once, as the pin to use.
            string received = presented is null ? " No certificate was received." : string.Empty;
            string message = rejection is string why
                ? $"The certificate presented by {where} was rejected: {why}.{received}"
                : $"The TLS handshake with {where} failed: {Innermost(e).Message}{received}";
            return new PveConnectionException(PveConnectionFailure.Tls, host, port, message, presented,
                _options.CertificatePolicy == PveCertificatePolicy.Pinned ? pinned : null, e);
        }

        return kind switch
        {
            PveConnectionFailure.Refused => new PveConnectionException(PveConnectionFailure.Refused, host, port,
                $"Could not connect to {where}: the connection was refused. Check the server name and port (PVE listens on 8006) and that pveproxy is running.", inner: e),
            PveConnectionFailure.NameResolution => new PveConnectionException(PveConnectionFailure.NameResolution, host, port,
                $"The server name '{host}' could not be resolved. Check its spelling, or use its IP address.", inner: e),
            PveConnectionFailure.TimedOut => new PveConnectionException(PveConnectionFailure.TimedOut, host, port,
                $"Connecting to {where} timed out. Check the server name, the port and any firewall in between.", inner: e),
            _ => new PveConnectionException(PveConnectionFailure.Other, host, port,
                $"The connection to {where} failed: {Innermost(e).Message}", inner: e),
        };
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    /// <summary>
    /// A form body that knows whether it was written: a request whose body was never written cannot
    /// have been acted on, so it is safe to send again. Its bytes (they may hold a password) are
    /// cleared when the request is disposed.
    /// </summary>
    private sealed class FormContent : HttpContent
    {
        private readonly byte[] _bytes;
        private int _started;

        internal FormContent(string form)
        {
            _bytes = Encoding.UTF8.GetBytes(form);
            Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        }

        internal bool Started => Volatile.Read(ref _started) != 0;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            Interlocked.Exchange(ref _started, 1);
            return stream.WriteAsync(_bytes, 0, _bytes.Length);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            Array.Clear(_bytes, 0, _bytes.Length);
            base.Dispose(disposing);
        }
    }

    /// <summary>PVE's response envelope.</summary>
    internal sealed class PveEnvelope<T>
    {
        [JsonPropertyName("data")]
        public T? Data { get; set; }
    }
}
