// Heroicons 2 (24 px outline) used by the UI, imported one by one as raw SVG so only these are
// bundled. Add an icon here before using it: `<Icon name="…" />` is typed by this map.
import home from 'heroicons/24/outline/home.svg?raw';
import users from 'heroicons/24/outline/users.svg?raw';
import userPlus from 'heroicons/24/outline/user-plus.svg?raw';
import clipboardDocumentList from 'heroicons/24/outline/clipboard-document-list.svg?raw';
import cog6Tooth from 'heroicons/24/outline/cog-6-tooth.svg?raw';
import arrowRightStartOnRectangle from 'heroicons/24/outline/arrow-right-start-on-rectangle.svg?raw';
import sun from 'heroicons/24/outline/sun.svg?raw';
import moon from 'heroicons/24/outline/moon.svg?raw';
import bars3 from 'heroicons/24/outline/bars-3.svg?raw';
import xMark from 'heroicons/24/outline/x-mark.svg?raw';
import magnifyingGlass from 'heroicons/24/outline/magnifying-glass.svg?raw';
import pencilSquare from 'heroicons/24/outline/pencil-square.svg?raw';
import key from 'heroicons/24/outline/key.svg?raw';
import clipboardDocument from 'heroicons/24/outline/clipboard-document.svg?raw';
import check from 'heroicons/24/outline/check.svg?raw';
import exclamationTriangle from 'heroicons/24/outline/exclamation-triangle.svg?raw';
import exclamationCircle from 'heroicons/24/outline/exclamation-circle.svg?raw';
import informationCircle from 'heroicons/24/outline/information-circle.svg?raw';
import checkCircle from 'heroicons/24/outline/check-circle.svg?raw';
import xCircle from 'heroicons/24/outline/x-circle.svg?raw';
import chevronDown from 'heroicons/24/outline/chevron-down.svg?raw';
import chevronRight from 'heroicons/24/outline/chevron-right.svg?raw';
import chevronLeft from 'heroicons/24/outline/chevron-left.svg?raw';
import eye from 'heroicons/24/outline/eye.svg?raw';
import eyeSlash from 'heroicons/24/outline/eye-slash.svg?raw';
import lockClosed from 'heroicons/24/outline/lock-closed.svg?raw';
import shieldExclamation from 'heroicons/24/outline/shield-exclamation.svg?raw';
import arrowPath from 'heroicons/24/outline/arrow-path.svg?raw';
import inbox from 'heroicons/24/outline/inbox.svg?raw';
import link from 'heroicons/24/outline/link.svg?raw';
import envelope from 'heroicons/24/outline/envelope.svg?raw';
import clock from 'heroicons/24/outline/clock.svg?raw';
import globeAlt from 'heroicons/24/outline/globe-alt.svg?raw';
import shieldCheck from 'heroicons/24/outline/shield-check.svg?raw';
import signalSlash from 'heroicons/24/outline/signal-slash.svg?raw';
import buildingOffice from 'heroicons/24/outline/building-office.svg?raw';
import paperClip from 'heroicons/24/outline/paper-clip.svg?raw';
import camera from 'heroicons/24/outline/camera.svg?raw';
import userCircle from 'heroicons/24/outline/user-circle.svg?raw';
// desk
import ticket from 'heroicons/24/outline/ticket.svg?raw';
import funnel from 'heroicons/24/outline/funnel.svg?raw';
import bookmark from 'heroicons/24/outline/bookmark.svg?raw';
import paperAirplane from 'heroicons/24/outline/paper-airplane.svg?raw';
import chatBubbleLeftRight from 'heroicons/24/outline/chat-bubble-left-right.svg?raw';
import questionMarkCircle from 'heroicons/24/outline/question-mark-circle.svg?raw';
import arrowsUpDown from 'heroicons/24/outline/arrows-up-down.svg?raw';
import cloudArrowUp from 'heroicons/24/outline/cloud-arrow-up.svg?raw';
import fire from 'heroicons/24/outline/fire.svg?raw';
import arrowUp from 'heroicons/24/outline/arrow-up.svg?raw';
import arrowDown from 'heroicons/24/outline/arrow-down.svg?raw';
import minus from 'heroicons/24/outline/minus.svg?raw';
import trash from 'heroicons/24/outline/trash.svg?raw';
import chevronUpDown from 'heroicons/24/outline/chevron-up-down.svg?raw';
import arrowLeft from 'heroicons/24/outline/arrow-left.svg?raw';
import pauseCircle from 'heroicons/24/outline/pause-circle.svg?raw';
import flag from 'heroicons/24/outline/flag.svg?raw';
// tickets lifecycle + admin
import plus from 'heroicons/24/outline/plus.svg?raw';
import tag from 'heroicons/24/outline/tag.svg?raw';
import adjustmentsHorizontal from 'heroicons/24/outline/adjustments-horizontal.svg?raw';
import star from 'heroicons/24/outline/star.svg?raw';

// tech + portal
import mapPin from 'heroicons/24/outline/map-pin.svg?raw';
import wrenchScrewdriver from 'heroicons/24/outline/wrench-screwdriver.svg?raw';
import computerDesktop from 'heroicons/24/outline/computer-desktop.svg?raw';
import chevronUp from 'heroicons/24/outline/chevron-up.svg?raw';
import bookOpen from 'heroicons/24/outline/book-open.svg?raw';
import lifebuoy from 'heroicons/24/outline/lifebuoy.svg?raw';

export const icons = {
	'home': home,
	'users': users,
	'user-plus': userPlus,
	'clipboard-document-list': clipboardDocumentList,
	'cog-6-tooth': cog6Tooth,
	'arrow-right-start-on-rectangle': arrowRightStartOnRectangle,
	'sun': sun,
	'moon': moon,
	'bars-3': bars3,
	'x-mark': xMark,
	'magnifying-glass': magnifyingGlass,
	'pencil-square': pencilSquare,
	'key': key,
	'clipboard-document': clipboardDocument,
	'check': check,
	'exclamation-triangle': exclamationTriangle,
	'exclamation-circle': exclamationCircle,
	'information-circle': informationCircle,
	'check-circle': checkCircle,
	'x-circle': xCircle,
	'chevron-down': chevronDown,
	'chevron-right': chevronRight,
	'chevron-left': chevronLeft,
	'eye': eye,
	'eye-slash': eyeSlash,
	'lock-closed': lockClosed,
	'shield-exclamation': shieldExclamation,
	'arrow-path': arrowPath,
	'inbox': inbox,
	'link': link,
	'envelope': envelope,
	'clock': clock,
	'globe-alt': globeAlt,
	'shield-check': shieldCheck,
	'signal-slash': signalSlash,
	'building-office': buildingOffice,
	'user-circle': userCircle,
	// desk
	'ticket': ticket,
	'funnel': funnel,
	'bookmark': bookmark,
	'paper-airplane': paperAirplane,
	'chat-bubble-left-right': chatBubbleLeftRight,
	'question-mark-circle': questionMarkCircle,
	'arrows-up-down': arrowsUpDown,
	'cloud-arrow-up': cloudArrowUp,
	'fire': fire,
	'arrow-up': arrowUp,
	'arrow-down': arrowDown,
	'minus': minus,
	'trash': trash,
	'chevron-up-down': chevronUpDown,
	'arrow-left': arrowLeft,
	'pause-circle': pauseCircle,
	'flag': flag,
	// tickets lifecycle + admin
	'plus': plus,
	'tag': tag,
	'adjustments-horizontal': adjustmentsHorizontal,
	'star': star,
	'paper-clip': paperClip,
	'camera': camera,
	// tech + portal
	'map-pin': mapPin,
	'wrench-screwdriver': wrenchScrewdriver,
	'computer-desktop': computerDesktop,
	'chevron-up': chevronUp,
	'book-open': bookOpen,
	'lifebuoy': lifebuoy,
} as const;

export type IconName = keyof typeof icons;
