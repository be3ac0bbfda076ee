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
}
