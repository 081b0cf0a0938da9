/** The single sign-on pages' words, Vietnamese first (the default) and English. */
export type Locale = 'vi' | 'en';

export const MESSAGES = {
  vi: {
    signInTitle: 'Đăng nhập',
    continueTo: (portal: string) => `Đăng nhập một lần để tiếp tục đến ${portal}.`,
    chooseProvider: 'Chọn cách đăng nhập',
    signInWith: (provider: string) => `Đăng nhập bằng ${provider}`,
    levels: (levels: string) => `Mức độ bảo đảm: ${levels}`,
    noProvider: 'Không có nhà cung cấp định danh nào đáp ứng mức độ bảo đảm mà cổng dịch vụ yêu cầu.',
    otherLanguage: 'English',
    otherLanguageLabel: 'Switch to English',
    errorTitle: 'Không thể đăng nhập',
    errorHint: 'Hãy quay lại cổng dịch vụ công và bắt đầu đăng nhập lại.',
    logoutTitle: 'Đăng xuất',
    logoutQuestion: (portal: string) => `Bạn có muốn đăng xuất khỏi hệ thống đăng nhập một lần${portal ? ` (từ ${portal})` : ''}?`,
    logoutYes: 'Đăng xuất',
    logoutNo: 'Không, giữ đăng nhập',
    loggedOut: 'Bạn đã đăng xuất.',
    demoTitle: 'Nhà cung cấp định danh thử nghiệm',
    demoWarning: 'Chỉ dùng để thử nghiệm: trang này tin mọi thông tin được nhập và không xác thực ai cả.',
    demoName: 'Họ và tên',
    demoIdNumber: 'Số định danh cá nhân (12 chữ số)',
    demoBirthdate: 'Ngày sinh (không bắt buộc)',
    demoSubmit: 'Tiếp tục',
    pageLanguage: 'Ngôn ngữ',
  },
  en: {
    signInTitle: 'Sign in',
    continueTo: (portal: string) => `Sign in once to continue to ${portal}.`,
    chooseProvider: 'Choose how to sign in',
    signInWith: (provider: string) => `Sign in with ${provider}`,
    levels: (levels: string) => `Assurance level: ${levels}`,
    noProvider: 'No identity provider can reach the assurance level the portal asks for.',
    otherLanguage: 'Tiếng Việt',
    otherLanguageLabel: 'Chuyển sang tiếng Việt',
    errorTitle: 'Sign-in is not possible',
    errorHint: 'Go back to the public-service portal and start signing in again.',
    logoutTitle: 'Sign out',
    logoutQuestion: (portal: string) => `Do you want to sign out of single sign-on${portal ? ` (from ${portal})` : ''}?`,
    logoutYes: 'Sign out',
    logoutNo: 'No, stay signed in',
    loggedOut: 'You are signed out.',
    demoTitle: 'Demo identity provider',
    demoWarning: 'For trying the hub only: this page believes whatever is typed and authenticates nobody.',
    demoName: 'Full name',
    demoIdNumber: 'Personal identity number (12 digits)',
    demoBirthdate: 'Date of birth (optional)',
    demoSubmit: 'Continue',
    pageLanguage: 'Language',
  },
} as const;

export type Messages = (typeof MESSAGES)[Locale];

/** `?lang=` wins, then the browser's Accept-Language (the first of vi / en it names), then the request's ui_locales, then Vietnamese. */
export function chooseLocale(query: unknown, acceptLanguage: string | undefined, uiLocales?: unknown): Locale {
  if (query === 'en' || query === 'vi') return query;
  const named = (acceptLanguage ?? '')
    .split(',')
    .map((part) => part.trim().split(';')[0]!.slice(0, 2).toLowerCase())
    .find((tag) => tag === 'vi' || tag === 'en');
  if (named) return named;
  const hinted = typeof uiLocales === 'string' ? uiLocales.split(' ').map((tag) => tag.slice(0, 2)).find((tag) => tag === 'vi' || tag === 'en') : undefined;
  return hinted ?? 'vi';
}
