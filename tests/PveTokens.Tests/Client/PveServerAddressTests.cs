using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Tests.Client;

public class PveServerAddressTests
{
    [Theory]
    [InlineData("pve1", "https://pve1:8006/")]
    [InlineData("pve1.example.com:8443", "https://pve1.example.com:8443/")]
    [InlineData("https://pve1", "https://pve1:8006/")]
    [InlineData("https://pve1:443/", "https://pve1/")]
    [InlineData("HTTPS://pve1:9000/api2/json", "https://pve1:9000/")]
    [InlineData("https://proxy.example.com:443/pve/", "https://proxy.example.com/pve/")]
    [InlineData("10.0.0.5", "https://10.0.0.5:8006/")]
    [InlineData("[::1]:8006", "https://[::1]:8006/")]
    [InlineData("fe80::1", "https://[fe80::1]:8006/")]
    [InlineData("  pve1  ", "https://pve1:8006/")]
    public void ParsesHostHostPortAndUrls(string text, string expected) =>
        Assert.Equal(expected, PveServerAddress.Parse(text).AbsoluteUri);

    [Theory]
    [InlineData("http://pve1", "HTTPS only")]
    [InlineData("", "empty")]
    [InlineData("pve1:notaport", "not a valid")]
    [InlineData("https://root@pve1", "user name")]
    public void Rejects(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<FormatException>(() => PveServerAddress.Parse(text)).Message);
}
