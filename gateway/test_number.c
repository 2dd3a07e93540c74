/* gateway/number: what a user dialed -> the form the policy judges and the trunk gets. */
#include <glib.h>

#include "gateway/number.h"

static const struct {
  const char *dialed, *cc, *want; /* want NULL: refused */
} cases[] = {
    /* E.164 as given, decoration dropped */
    {"+15558675309", "1", "+15558675309"},
    {"+1 (555) 867-5309", "1", "+15558675309"},
    {"+44 20 7183 8750", "1", "+442071838750"},
    {"+44.20.7183.8750", "44", "+442071838750"},
    /* international prefixes */
    {"011 44 20 7183 8750", "1", "+442071838750"},
    {"0044 20 7183 8750", "1", "+442071838750"},
    {"0044 20 7183 8750", "44", "+442071838750"},
    {"00 1 555 867 5309", "49", "+15558675309"},
    /* NANP: 10 digits, or 11 with the leading 1 */
    {"(555) 867-5309", "1", "+15558675309"},
    {"555-867-5309", "1", "+15558675309"},
    {"1 900 555 1234", "1", "+19005551234"},
    {"900.555.1234", "1", "+19005551234"},
    /* national numbers with trunk prefix 0 elsewhere */
    {"020 7183 8750", "44", "+442071838750"},
    {"030 1234567", "49", "+49301234567"},
    {"0800 123 456", "44", "+44800123456"},
    /* short numbers and service codes stay as digits */
    {"911", "1", "911"},
    {"9-1-1", "1", "911"},
    {"112", "49", "112"},
    {"999", "44", "999"},
    {"*67", "1", "*67"},
    {"123", "1", "123"},
    {"0123", "44", "0123"},
    /* long numbers in no known form: refused (the trunk could route them anywhere) */
    {"020 7183 8750", "", NULL},
    {"(555) 867-5309", NULL, NULL},
    {"*67 1 900 555 1234", "1", NULL},
    {"*67 011 683 4321", "1", NULL},
    {"01 44 20 7183 8750", "1", NULL},
    {"44 20 7183 8750", "1", NULL},
    {"867 5309", "1", NULL},
    {"1 055 555 1234", "1", NULL},
    {"2071838750", "44", NULL},
    {"+15558675309", NULL, "+15558675309"},
    {"112", NULL, "112"},
    /* refused */
    {"call me maybe", "1", NULL},
    {"", "1", NULL},
    {"+", "1", NULL},
    {"1+2", "1", NULL},
    {"++15558675309", "1", NULL},
    {"+0123456", "1", NULL},
    {"+1234567890123456", "1", NULL}, /* 16 digits */
    {"+1*67", "1", NULL},
    {"555\n8675309", "1", NULL},
    {"12345678901234567890", "1", NULL},
    {"##############################00", "1", NULL}, /* found by fuzz_number: was cut to 19 '#' */
    {"*#*#*#*#*#*#*#*#*#*#1", "1", NULL},
};

static void test_normalize(void) {
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char out[GW_NUMBER_MAX] = "";
    gw_why why = {""};
    int rc = gw_number_normalize(cases[i].dialed, cases[i].cc, out, &why);
    g_test_message("\"%s\" (cc %s) -> %s %s", cases[i].dialed, cases[i].cc ? cases[i].cc : "none",
                   rc == GW_OK ? out : "refused:", rc == GW_OK ? "" : why.msg);
    if (cases[i].want) {
      g_assert_cmpint(rc, ==, GW_OK);
      g_assert_cmpstr(out, ==, cases[i].want);
    } else {
      g_assert_cmpint(rc, ==, GW_EINVAL);
      g_assert_cmpstr(why.msg, !=, "");
    }
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/number/normalize", test_normalize);
  return g_test_run();
}
