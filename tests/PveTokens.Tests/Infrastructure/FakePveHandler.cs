using System.Net;
using System.Text;

namespace PveTokens.Tests.Infrastructure;

/// <summary>A request as the fake handler saw it (body read eagerly, headers flattened).</summary>
public sealed record CapturedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? v) ? v : null;

    /// <summary>The form body as a dictionary (unescaped).</summary>
    public IReadOnlyDictionary<string, string> Form => Body.Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2))
        .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty);
}

/// <summary>
/// An HttpMessageHandler that answers from a script, for unit tests of the Api layer. Each request
/// is captured; <see cref="Respond"/> decides the answer (default: 404).
/// </summary>
public sealed class FakePveHandler : HttpMessageHandler
{
    private readonly List<CapturedRequest> _requests = new();

    public Func<CapturedRequest, CancellationToken, Task<HttpResponseMessage>> Respond { get; set; } =
        (_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));

    public IReadOnlyList<CapturedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    public static HttpResponseMessage Json(string json, int status = 200, string? reason = null) => new((HttpStatusCode)status)
    {
        Content = new StringContent(json, Encoding.UTF8, "application/json"),
        ReasonPhrase = reason ?? (status == 200 ? "OK" : null),
    };

    public static HttpResponseMessage Empty(int status, string reason) => new((HttpStatusCode)status)
    {
        ReasonPhrase = reason,
        Content = new ByteArrayContent(Array.Empty<byte>()),
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        string body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        if (request.Content is not null)
        {
            foreach (var h in request.Content.Headers)
            {
                headers[h.Key] = string.Join(", ", h.Value);
            }
        }

        var captured = new CapturedRequest(request.Method.Method, request.RequestUri!.PathAndQuery, headers, body);
        lock (_requests)
        {
            _requests.Add(captured);
        }

        HttpResponseMessage response = await Respond(captured, cancellationToken);
        response.RequestMessage = request;
        return response;
    }
}
