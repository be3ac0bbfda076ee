using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Tests.Client;

public class CertificateThumbprintTests
{
    private const string Hex = "0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9";

    [Theory]
    [InlineData(Hex)]
    [InlineData("0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9")]
    [InlineData("0a:1b:2c:3d:4e:5f:60:71:82:93:a4:b5:c6:d7:e8:f9:0a:1b:2c:3d:4e:5f:60:71:82:93:a4:b5:c6:d7:e8:f9")]
    [InlineData("0A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 C6 D7 E8 F9 0A 1B 2C 3D 4E 5F 60 71 82 93 A4 B5 C6 D7 E8 F9")]
    [InlineData("  0A-1B-2C-3D-4E-5F-60-71-82-93-A4-B5-C6-D7-E8-F9-0A-1B-2C-3D-4E-5F-60-71-82-93-A4-B5-C6-D7-E8-F9 ")]
    public void NormalisesToUpperCaseHex(string text) => Assert.Equal(Hex, CertificateThumbprint.Normalize(text));

    [Fact]
    public void RejectsASha1ThumbprintWithAHint()
    {
        var e = Assert.Throws<FormatException>(() => CertificateThumbprint.Normalize(new string('a', 40)));
        Assert.Contains("40 hexadecimal digits", e.Message);
        Assert.Contains("SHA-1", e.Message);
    }

    [Theory]
    [InlineData("0A1B", "has 4 hexadecimal digits")]
    [InlineData(Hex + "00", "has 66 hexadecimal digits")]
    [InlineData("ZZ" + Hex, "'Z'")]
    public void RejectsWhatIsNot64HexDigits(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => CertificateThumbprint.Normalize(text));
        Assert.Contains(expected, e.Message);
        Assert.Contains("64", e.Message);
    }

    [Fact]
    public void ComputesTheSha256OfTheDerCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test", key, HashAlgorithmName.SHA256);
        using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        Assert.Equal(Convert.ToHexString(SHA256.HashData(cert.RawData)), CertificateThumbprint.Sha256Of(cert));
    }

    [Fact]
    public void ShowsColonPairs() => Assert.Equal("0A:1B:2C", CertificateThumbprint.ToColonForm("0A1B2C"));
}
