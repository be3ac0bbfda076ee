using PveTokens.Access;
using PveTokens.Client;

namespace PveTokens.Tests.Access;

public class PveIdentifierTests
{
    [Theory]
    [InlineData("root@pam")]
    [InlineData("joe@pve")]
    [InlineData("j.doe@corp.example@ad")]
    [InlineData("a@pve")]
    [InlineData("ü-ser_1@my.realm-2")]
    public void AcceptsValidUserIds(string userId) => Assert.Null(PveIdentifier.CheckUserId(userId));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("root", "has no realm")]
    [InlineData("@pam", "no user name")]
    [InlineData("root@", "empty realm")]
    [InlineData("root@1pam", "not a valid realm")]
    [InlineData("root@p", "not a valid realm")]
    [InlineData("ro:ot@pam", "whitespace, ':' or '/'")]
    [InlineData("ro/ot@pam", "whitespace, ':' or '/'")]
    [InlineData("ro ot@pam", "whitespace, ':' or '/'")]
    public void RejectsInvalidUserIds(string userId, string expected) => Assert.Contains(expected, PveIdentifier.CheckUserId(userId));

    [Fact]
    public void UserIdsAreAtMost64Characters()
    {
        Assert.Null(PveIdentifier.CheckUserId(new string('u', 60) + "@pve"));
        Assert.Contains("too long (65 > 64", PveIdentifier.CheckUserId(new string('u', 61) + "@pve"));
    }

    [Theory]
    [InlineData("ab", true)]
    [InlineData("a1.b-c_d", true)]
    [InlineData("a", false)]
    [InlineData("1ab", false)]
    [InlineData("a b", false)]
    [InlineData("a!b", false)]
    public void TokenNamesFollowPvesRegex(string name, bool valid) => Assert.Equal(valid, PveIdentifier.IsValidTokenName(name));

    [Fact]
    public void SplitsFullTokenIds()
    {
        Assert.Null(PveIdentifier.CheckFullTokenId("j.doe@corp.example@ad!ci", out string userId, out string tokenName));
        Assert.Equal("j.doe@corp.example@ad", userId);
        Assert.Equal("ci", tokenName);
        Assert.Contains("more than one '!'", PveIdentifier.CheckFullTokenId("a@pve!b!c"));
        Assert.Contains("bare token name", PveIdentifier.CheckFullTokenId("ci"));
        Assert.Contains("has no '!'", PveIdentifier.CheckFullTokenId("root@pam"));
    }
}
