using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using PveEmulator;

namespace PveTokens.Tests.Emulator;

public class EmulatorHostTests
{
    [Fact]
    public async Task ServesHttpsOnLoopbackWithTheAdvertisedCertificate()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { AuthFailureDelayMs = 0 });
        string? seen = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                seen = Convert.ToHexString(SHA256.HashData(cert!.RawData));
                return true;
            },
        };
        using var client = new HttpClient(handler);

        using HttpResponseMessage response = await client.GetAsync(new Uri(host.Url, "/api2/json/version"));

        Assert.Equal("127.0.0.1", host.Url.Host);
        Assert.Equal("https", host.Url.Scheme);
        Assert.Equal(host.CertificateSha256, seen);
        Assert.Matches("^[0-9A-F]{64}$", host.CertificateSha256);
        Assert.NotNull(response);
    }

    [Fact]
    public async Task TheRequestLogHoldsACallAsSoonAsItsClientHasTheAnswerOrTheReset()
    {
        await using var host = await EmulatorHost.StartAsync(new EmulatorOptions { AuthFailureDelayMs = 0 });
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var client = new HttpClient(handler) { BaseAddress = host.Url };

        for (int i = 0; i < 20; i++)
        {
            // Unauthenticated, so a 401 that closes the connection every other time: both paths are covered.
            using HttpResponseMessage response = await client.GetAsync(i % 2 == 0 ? "/api2/json/version" : "/");
            RequestLogEntry entry = Assert.Single(host.RequestLog);
            Assert.Equal(((int)response.StatusCode, (string?)null), (entry.Status, entry.Fault));
            host.ClearRequestLog();
        }

        host.Faults.FailNext(1, status: 503);
        (await client.GetAsync("/api2/json/version")).Dispose();
        Assert.Equal((503, "status-503"), (host.RequestLog[0].Status, host.RequestLog[0].Fault));

        host.Faults.DropNextAfterHandling(1);
        await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync("/api2/json/version"));
        Assert.Equal((401, "drop-after"), (host.RequestLog[1].Status, host.RequestLog[1].Fault));

        host.Faults.DropNextBeforeRequest(1);
        await Assert.ThrowsAnyAsync<Exception>(() => client.GetAsync("/api2/json/version"));
        Assert.Equal((0, "drop-before"), (host.RequestLog[2].Status, host.RequestLog[2].Fault));

        // Nothing arrives late after a clear.
        host.ClearRequestLog();
        await Task.Delay(100);
        Assert.Empty(host.RequestLog);
    }
}
