using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Tests.Access;

public class ApiTokenStringTests
{
    private const string Secret = "4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6f";

    [Theory]
    [InlineData("root@pam!automation=" + Secret, "root@pam", "automation")]
    [InlineData("PVEAPIToken=root@pam!automation=" + Secret, "root@pam", "automation")]
    [InlineData("PVEAPIToken root@pam!automation=" + Secret, "root@pam", "automation")]
    [InlineData("pveapitoken=root@pam!automation=" + Secret, "root@pam", "automation")]
    [InlineData("Authorization: PVEAPIToken=root@pam!automation=" + Secret, "root@pam", "automation")]
    [InlineData("\"root@pam!automation=" + Secret + "\"", "root@pam", "automation")]
    [InlineData("'PVEAPIToken=root@pam!automation=" + Secret + "'", "root@pam", "automation")]
    [InlineData("  root@pam!automation=" + Secret + " \r\n", "root@pam", "automation")]
    [InlineData("\t\"  PVEAPIToken=joe@pve!mon.itor_1-x=" + Secret + "  \"\n", "joe@pve", "mon.itor_1-x")]
    [InlineData("j.doe@corp.example@ad!ci=" + Secret, "j.doe@corp.example@ad", "ci")]
    public void AcceptsTheFormsPeoplePaste(string text, string userId, string tokenName)
    {
        Assert.True(ApiTokenString.TryParse(text, out ApiToken? token, out string? error), error);
        Assert.Equal(userId, token!.UserId);
        Assert.Equal(tokenName, token.TokenName);
        Assert.Equal(userId + "!" + tokenName, token.FullTokenId);
        Assert.Equal(Secret, SecretText.ToPlainText(token.Secret));
        Assert.Equal(userId + "!" + tokenName, token.ToString());
    }

    [Fact]
    public void TheUserOfAnAdUpnIsSplitOnTheLastAtBeforeTheBang()
    {
        ApiToken token = ApiTokenString.Parse("a@b@c@realm!tok=" + Secret);
        Assert.Equal("a@b@c@realm", token.UserId);
        Assert.Equal(0, PveIdentifier.CheckUserId(token.UserId, out string user, out string realm) is null ? 0 : 1);
        Assert.Equal("a@b@c", user);
        Assert.Equal("realm", realm);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("root@pamautomation=" + Secret, "has no '!' between the user id and the token name")]
    [InlineData("root@pam=automation=" + Secret, "separates user and token name with '=' where PVE needs '!'")]
    [InlineData("root@pam!automation", "has no '=' and no secret")]
    [InlineData("root@pam!automation=", "has no secret after '='")]
    [InlineData("root@pam!auto!mation=" + Secret, "more than one '!'")]
    [InlineData("root!automation=" + Secret, "has no realm")]
    [InlineData("root@!automation=" + Secret, "empty realm")]
    [InlineData("root@p!automation=" + Secret, "'p' in 'root@p' is not a valid realm")]
    [InlineData("ro ot@pam!automation=" + Secret, "not allow in user names")]
    [InlineData("root@pam!1automation=" + Secret, "'1automation' is not a valid token name")]
    [InlineData("root@pam!a=" + Secret, "'a' is not a valid token name")]
    [InlineData("root@pam!=" + Secret, "token name after '!' is empty")]
    [InlineData("root@pam!automation=not-a-uuid", "secret that is not a UUID")]
    [InlineData("root@pam!automation=" + "4d3b4f0e-8f8a-4b6a-9b0e-1a2b3c4d5e6", "secret that is not a UUID")]
    [InlineData("automation", "'automation' is a bare token name")]
    [InlineData("automation=" + Secret, "names only the token ('automation'), not its user")]
    [InlineData(Secret, "is only a secret")]
    [InlineData("root@pam!automation:" + Secret, "with ':' (Proxmox Backup Server's form)")]
    [InlineData("root@pam!automation " + Secret, "with a space; PVE needs '='")]
    [InlineData("PVEAPIToken=", "is empty")]
    public void RejectsEachMistakeByName(string text, string expected)
    {
        Assert.False(ApiTokenString.TryParse(text, out ApiToken? token, out string? error));
        Assert.Null(token);
        Assert.Contains(expected, error);
        AssertNoSecret(error!);
        FormatException e = Assert.Throws<FormatException>(() => ApiTokenString.Parse(text));
        Assert.Equal(error, e.Message);
    }

    [Theory]
    [InlineData("root@pam!automation=abcdefgh-1234")]
    [InlineData("root@pam!automation=" + Secret + "-extra")]
    [InlineData("root!automation=" + Secret)]
    [InlineData("root@pam!auto!mation=" + Secret)]
    [InlineData("root@pam!automation:" + Secret)]
    [InlineData("root@pam!automation " + Secret)]
    public void NoMessageEverHoldsTheSecretOrAPieceOfIt(string text)
    {
        Assert.False(ApiTokenString.TryParse(text, out _, out string? error));
        AssertNoSecret(error!);
        Assert.DoesNotContain("abcdefgh-1234", error);
    }

    [Fact]
    public void FromPartsTakesACredentialWhosePasswordIsTheSecret()
    {
        using ApiToken token = ApiTokenString.FromParts("root@pam!automation", SecretText.ToSecureString(Secret));
        Assert.Equal("root@pam!automation", token.FullTokenId);
        Assert.Equal(Secret, SecretText.ToPlainText(token.Secret));
    }

    [Fact]
    public void FromPartsTakesTheWholeTokenStringAsThePasswordWhenTheIdsMatch()
    {
        using ApiToken token = ApiTokenString.FromParts("root@pam!automation", SecretText.ToSecureString("PVEAPIToken=root@pam!automation=" + Secret));
        Assert.Equal(Secret, SecretText.ToPlainText(token.Secret));

        var e = Assert.Throws<FormatException>(() => ApiTokenString.FromParts("root@pam!other", SecretText.ToSecureString("root@pam!automation=" + Secret)));
        Assert.Contains("'root@pam!other'", e.Message);
        AssertNoSecret(e.Message);
    }

    [Theory]
    [InlineData("root@pam", "no '!'")]
    [InlineData("automation", "bare token name")]
    [InlineData("root!automation", "has no realm")]
    public void FromPartsRejectsABadTokenId(string id, string expected)
    {
        var e = Assert.Throws<FormatException>(() => ApiTokenString.FromParts(id, SecretText.ToSecureString(Secret)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void FromPartsRejectsASecretThatIsNotAUuidWithoutShowingIt()
    {
        var e = Assert.Throws<FormatException>(() => ApiTokenString.FromParts("root@pam!automation", SecretText.ToSecureString("hunter2-password")));
        Assert.Contains("UUID", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    private static void AssertNoSecret(string message)
    {
        Assert.DoesNotContain(Secret, message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Secret.Substring(0, 8), message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Secret.Substring(24), message, StringComparison.OrdinalIgnoreCase);
    }
}
