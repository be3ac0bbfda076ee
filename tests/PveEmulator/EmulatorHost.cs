using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace PveEmulator;

/// <summary>An emulated PVE node over HTTPS on 127.0.0.1, usable in-process (xunit) or through `serve`.</summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmulatorHost(WebApplication app, Uri url, X509Certificate2 certificate)
    {
        _app = app;
        Url = url;
        Certificate = certificate;
        CertificateSha256 = Convert.ToHexString(SHA256.HashData(certificate.RawData));
    }

    /// <summary>Base URL, e.g. https://127.0.0.1:34567 (no path).</summary>
    public Uri Url { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 of the server certificate as 64 upper-case hex digits.</summary>
    public string CertificateSha256 { get; }

    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options)
    {
        X509Certificate2 certificate = CreateSelfSignedCertificate();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => listen.UseHttps(certificate));
        });
        WebApplication app = builder.Build();
        app.MapGet("/api2/json/version", () => Results.Json(new
        {
            data = new { version = options.PveVersion, release = ReleaseOf(options.PveVersion), repoid = "0a1b2c3d" },
        }));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EmulatorHost(app, new Uri(address), certificate);
    }

    private static string ReleaseOf(string version)
    {
        string[] parts = version.Split('.');
        return parts.Length >= 2 ? parts[0] + "." + parts[1] : version;
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pve-emulator", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using X509Certificate2 ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
