using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace PveTokens.Tests.Emulator;

/// <summary>A response as read off the wire: status line, every header (repeats kept), body bytes.</summary>
internal sealed record RawResponse(int Status, string Reason, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    public IEnumerable<string> HeaderValues(string name) =>
        Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    public string? Header(string name) => HeaderValues(name).FirstOrDefault();
}

/// <summary>
/// Sends exactly the bytes a test asks for over a new TLS connection (HttpClient would add, drop
/// or reorder headers, refuse GET bodies and hide reason phrases and repeated Connection headers).
/// </summary>
internal static class RawHttpsClient
{
    public static async Task<RawResponse> SendAsync(Uri baseUrl, string method, string target, IEnumerable<KeyValuePair<string, string>> headers,
                                                    byte[]? body, CancellationToken cancellationToken = default)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(baseUrl.Host, baseUrl.Port, cancellationToken);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        }, cancellationToken);

        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(baseUrl.Authority).Append("\r\n");
        head.Append("Accept-Encoding: identity\r\n");
        if (body is not null)
        {
            head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        }
        foreach ((string name, string value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        head.Append("\r\n");
        await tls.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancellationToken);
        if (body is { Length: > 0 })
        {
            await tls.WriteAsync(body, cancellationToken);
        }
        await tls.FlushAsync(cancellationToken);
        return await ReadResponseAsync(tls, cancellationToken);
    }

    private static async Task<RawResponse> ReadResponseAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            int n = await stream.ReadAsync(chunk, cancellationToken);
            if (n == 0)
            {
                throw new IOException("connection closed before the response headers were complete");
            }
            buffer.Write(chunk, 0, n);
        }
        byte[] all = buffer.ToArray();
        string[] lines = Encoding.Latin1.GetString(all, 0, headerEnd).Split("\r\n");
        string[] statusParts = lines[0].Split(' ', 3);
        var headers = new List<KeyValuePair<string, string>>();
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        string? length = headers.FirstOrDefault(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        long expected = length is null ? long.MaxValue : long.Parse(length, System.Globalization.CultureInfo.InvariantCulture);
        while (body.Length < expected)
        {
            int n = await stream.ReadAsync(chunk, cancellationToken);
            if (n == 0)
            {
                break;
            }
            body.Write(chunk, 0, n);
        }
        return new RawResponse(int.Parse(statusParts[1], System.Globalization.CultureInfo.InvariantCulture),
                               statusParts.Length > 2 ? statusParts[2] : "", headers, body.ToArray());
    }

    private static int IndexOfHeaderEnd(MemoryStream buffer)
    {
        ReadOnlySpan<byte> span = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        return span.IndexOf("\r\n\r\n"u8);
    }
}
